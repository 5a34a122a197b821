"""Printing a proof's figures: a small aligned table for people, one JSON line for tools.

Run the suite with ``-s`` to see them; docs/reliability.md quotes them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any


def table(title: str, rows: Sequence[Mapping[str, Any]]) -> str:
    if not rows:
        return f"{title}: (no rows)"
    columns = list(rows[0])
    cells = [[str(row.get(c, "")) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))
    rule = "  ".join("-" * w for w in widths)
    body = [
        "  ".join(
            v.rjust(w) if v.lstrip("-").replace(".", "", 1).isdigit() else v.ljust(w)
            for v, w in zip(r, widths, strict=True)
        )
        for r in cells
    ]
    return "\n".join([f"\n{title}", line, rule, *body])


def emit(name: str, figures: Mapping[str, Any], rows: Sequence[Mapping[str, Any]] = ()) -> None:
    """Print the table (if any) and a ``RELIABILITY {json}`` line with every figure."""
    if rows:
        print(table(name, rows))
    print("RELIABILITY " + json.dumps({"proof": name, **figures}, default=str, sort_keys=True))
