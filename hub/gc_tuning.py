"""The garbage collector's settings for long-running hub processes (``hub serve``, ``hub worker``).

CPython's cyclic collector runs after every 700 net container allocations. A sale
allocates hundreds of containers (statements, futures, structs) that reference counting
frees anyway, so under load it ran ~35 times a second, and every few seconds a full
collection walked the ~150,000 objects loaded at start-up (~130 ms each: a latency spike
for every request waiting meanwhile). On the ingest benchmark that was ~5.7% of the
server's CPU and most of its p99.

Once started, the process collects once and freezes what survived (modules, the app,
table metadata: none of it ever becomes garbage), so later full collections skip it, and
the first threshold is raised so the collector runs when garbage accumulates rather than
on every burst of short-lived objects. Tests and the demo do not call this: freezing in a
process that starts many hubs would keep each one's leftovers forever.
"""

from __future__ import annotations

import gc

FIRST_THRESHOLD = 10_000


def tune_for_long_running_process() -> None:
    """Collect, freeze the survivors, and raise the young generation's threshold."""
    gc.collect()
    gc.freeze()
    _, second, third = gc.get_threshold()
    gc.set_threshold(FIRST_THRESHOLD, second, third)
