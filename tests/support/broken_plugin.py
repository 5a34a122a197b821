"""A plugin module that cannot be imported, to test how start-up reports it."""

raise ImportError("this plugin needs a library that is not installed")
