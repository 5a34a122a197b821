"""Benchmarks of the hub: ingest, webhook intake, rate-limited Zoom sync, attendance, memory.

``python -m bench.run`` (``make bench``) runs them all and writes ``bench/results.md``;
``--quick`` is a short smoke run. Every benchmark reports a ratio against a baseline
measured in the same run, because absolute figures on a shared two-core machine are
noise while a ratio taken minutes apart on the same machine is not.

The hub under test always runs as its own process (uvicorn, the app from
:func:`hub.api.app.create_app`, as ``hub serve`` runs it) and the load comes from another
process (wrk when installed, else :mod:`bench.pyload`), so neither steals the other's
interpreter.
"""
