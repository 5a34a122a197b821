"""Reads the hook specs as data: names, kinds and signatures as written in the source.

Used by the documentation test and by ``hub plugins``, so the reference in docs/hooks.md
and what the host enforces cannot silently diverge.
"""

from __future__ import annotations

import inspect

from hub import hookspecs


def hook_names() -> list[str]:
    return [
        name
        for name, value in vars(hookspecs).items()
        if name.startswith(("hub_", "on_")) and inspect.isfunction(value)
    ]


def hook_signature(name: str) -> str:
    """``def name(arg: Type, ...) -> Return`` with annotations as written in the spec."""
    fn = getattr(hookspecs, name)
    sig = inspect.signature(fn)
    params = ", ".join(
        f"{p.name}: {p.annotation}" if p.annotation is not inspect.Parameter.empty else p.name
        for p in sig.parameters.values()
    )
    return f"def {name}({params}) -> {sig.return_annotation}"


def hook_doc(name: str) -> str:
    return inspect.getdoc(getattr(hookspecs, name)) or ""
