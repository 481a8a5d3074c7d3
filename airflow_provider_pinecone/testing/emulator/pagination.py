"""Opaque pagination tokens for the data plane's listings (namespaces, record ids, fetch by metadata).

Every such listing is sorted by name or id, so a token only needs the last key a page returned:
the next page starts after it, which stays correct when keys are added or removed between pages.
"""

from __future__ import annotations

import base64
import binascii

from airflow_provider_pinecone.testing.emulator.errors import InvalidArgument


def page_token(last_key: str) -> str:
    """The ``pagination.next`` of a page whose last item is ``last_key``."""
    return base64.urlsafe_b64encode(last_key.encode()).decode()


def key_after(token: str | None) -> str | None:
    """The key a ``paginationToken`` continues after; ``None`` for the first page."""
    if not token:
        return None
    try:
        # validate=True: characters outside the alphabet are an error, not silently dropped.
        key = base64.b64decode(token.encode(), altchars=b"-_", validate=True).decode()
        if not key:
            raise ValueError(token)
        return key
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidArgument(
            "Invalid paginationToken: pass the pagination.next value of a previous response unchanged."
        ) from None
