"""The reference material (Zoom's OpenAPI specs, real webhook payloads) lives beside the
repository in ../shared/reference and is never copied into it. HUB_REFERENCE_DIR points
elsewhere; without the folder the tests that need it skip, unless HUB_REQUIRE_REFERENCE=1
(as in CI), where its absence is a failure."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def reference_folder(name: str) -> Path:
    base = Path(os.environ.get("HUB_REFERENCE_DIR") or REPO_ROOT.parent / "shared" / "reference")
    path = base / name
    if not path.is_dir():
        if os.environ.get("HUB_REQUIRE_REFERENCE") == "1":
            pytest.fail(f"reference data missing: {path} (HUB_REQUIRE_REFERENCE=1)")
        pytest.skip(f"reference data not available at {path}")
    return path
