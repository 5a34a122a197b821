"""The ``[plugins.crm_stub]`` table of hub.toml."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta


class CrmStubSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Settings of the CRM stub.

    ``fail_rate`` is the fraction of hook calls that fail with a transient error before
    touching anything (0 never, 1 always: every delivery ends as a dead letter). Whether a
    given call fails depends only on ``seed``, the delivery and its attempt number, so a run
    can be reproduced whatever order the deliveries happen to run in.
    """

    fail_rate: Annotated[float, Meta(ge=0.0, le=1.0)] = 0.0
    seed: int = 1
