"""Pinecone's documented import limits (import guide, "Import limits")."""

from __future__ import annotations

__all__ = [
    "EXPRESS_ONE_ZONE_SUFFIX",
    "MAX_FILES",
    "MAX_FILE_BYTES",
    "MAX_ID_CHARS",
    "MAX_METADATA_BYTES",
    "MAX_NAMESPACES",
    "MAX_NAMESPACE_BYTES",
    "human_bytes",
]

MAX_NAMESPACES = 10_000
MAX_FILES = 100_000
# Pinecone writes "10 GB" and "500 GB"; decimal units are the stricter reading of the two.
MAX_FILE_BYTES = 10 * 1000**3
MAX_NAMESPACE_BYTES = 500 * 1000**3
MAX_ID_CHARS = 512
MAX_METADATA_BYTES = 40 * 1024
# Amazon S3 Express One Zone directory buckets: Pinecone cannot import from them.
EXPRESS_ONE_ZONE_SUFFIX = "--x-s3"


def human_bytes(n: float) -> str:
    """``n`` bytes in decimal units, as the limits are written: ``12.3 GB``."""
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")
