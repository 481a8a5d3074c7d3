"""Pinecone's documented limits on upserts, shared by the client, the upsert task and the emulator.

Sources: Pinecone's upsert guide and "Database limits" (rate limits, operation limits).
"""

from __future__ import annotations

#: Records in one upsert request.
MAX_UPSERT_RECORDS = 1000
#: Bytes in one upsert request's body ("2 MB", which Pinecone enforces as 2 MiB).
MAX_UPSERT_BYTES = 2 * 1024 * 1024
#: Upsert requests per second, per namespace, on serverless indexes (every plan).
UPSERT_REQUESTS_PER_SECOND = 100
#: Upserted bytes per second, per namespace, on serverless indexes ("50 MB").
UPSERT_BYTES_PER_SECOND = 50 * 1000 * 1000
