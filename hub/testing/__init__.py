"""Test helpers for plugin authors; the provider conformance kit is in
:mod:`hub.testing.conformance`."""
