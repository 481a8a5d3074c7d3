"""Schemathesis hooks for the emulator's gate (loaded through ``SCHEMATHESIS_HOOKS``, see test_schemathesis.py).

Records upsert takes ``application/x-ndjson`` (one record per line), which schemathesis cannot
serialize by itself.
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx: Any, value: Any) -> bytes:
    """A generated array as one JSON document per line (anything else as one line)."""
    items = value if isinstance(value, list) else [value]
    return b"\n".join(json.dumps(item).encode() for item in items)
