"""Meta-tests: every hook is documented with its exact signature, and exercised by a test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hub.plugins.introspection import hook_names, hook_signature

ROOT = Path(__file__).parents[2]
DOC = (ROOT / "docs" / "hooks.md").read_text()


@pytest.mark.parametrize("name", hook_names())
def test_hook_is_documented_with_its_signature(name: str) -> None:
    assert f"### `{name}`" in DOC, f"{name} is not documented in docs/hooks.md"
    section = DOC.split(f"### `{name}`", 1)[1]
    block = re.search(r"```python\n(.*?)\n```", section, re.S)
    assert block, f"no signature block for {name}"
    assert block.group(1) == hook_signature(name)


def test_documentation_names_no_unknown_hook() -> None:
    documented = set(re.findall(r"^### `(\w+)`", DOC, re.M))
    assert documented == set(hook_names())


@pytest.mark.parametrize("name", hook_names())
def test_hook_is_exercised(name: str) -> None:
    sources = "\n".join(p.read_text() for p in (ROOT / "tests").rglob("test_*.py"))
    assert f"def test_hook_{name}(" in sources, f"no test_hook_{name} in tests/"
