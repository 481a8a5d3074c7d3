"""The operations (method, path template) of Pinecone's ``db_control`` and ``db_data`` specs.

The gate answers a request that matches one of these but has no handler with 501 in the API's
error shape (what the emulator has not implemented yet), and anything else unrouted with 404.
Kept as data so the emulator needs no spec files at runtime; a conformance test checks these
tuples against the vendored specs in ``tests/specs/pinecone-api``.
"""

from __future__ import annotations

import re
from functools import cache

Operation = tuple[str, str]

CONTROL_2025_04: frozenset[Operation] = frozenset(
    {
        ("GET", "/indexes"),
        ("POST", "/indexes"),
        ("GET", "/indexes/{index_name}"),
        ("DELETE", "/indexes/{index_name}"),
        ("PATCH", "/indexes/{index_name}"),
        ("POST", "/indexes/create-for-model"),
        ("GET", "/indexes/{index_name}/backups"),
        ("POST", "/indexes/{index_name}/backups"),
        ("GET", "/backups"),
        ("GET", "/backups/{backup_id}"),
        ("DELETE", "/backups/{backup_id}"),
        ("POST", "/backups/{backup_id}/create-index"),
        ("GET", "/restore-jobs"),
        ("GET", "/restore-jobs/{job_id}"),
        ("GET", "/collections"),
        ("POST", "/collections"),
        ("GET", "/collections/{collection_name}"),
        ("DELETE", "/collections/{collection_name}"),
    }
)
CONTROL_2026_07: frozenset[Operation] = CONTROL_2025_04 | {
    ("GET", "/indexes/{index_name}/backup-schedules"),
    ("POST", "/indexes/{index_name}/backup-schedules"),
    ("GET", "/backup-schedules/{schedule_id}"),
    ("PATCH", "/backup-schedules/{schedule_id}"),
    ("DELETE", "/backup-schedules/{schedule_id}"),
    ("GET", "/backup-schedules/{schedule_id}/history"),
}

DATA_2025_04: frozenset[Operation] = frozenset(
    {
        ("GET", "/bulk/imports"),
        ("POST", "/bulk/imports"),
        ("GET", "/bulk/imports/{id}"),
        ("DELETE", "/bulk/imports/{id}"),
        ("POST", "/describe_index_stats"),
        ("POST", "/query"),
        ("POST", "/vectors/delete"),
        ("GET", "/vectors/fetch"),
        ("GET", "/vectors/list"),
        ("POST", "/vectors/update"),
        ("POST", "/vectors/upsert"),
        ("GET", "/namespaces"),
        ("GET", "/namespaces/{namespace}"),
        ("DELETE", "/namespaces/{namespace}"),
        ("POST", "/records/namespaces/{namespace}/upsert"),
        ("POST", "/records/namespaces/{namespace}/search"),
    }
)
DATA_2025_10: frozenset[Operation] = DATA_2025_04 | {
    ("POST", "/namespaces"),
    ("POST", "/vectors/fetch_by_metadata"),
}
DATA_2026_07: frozenset[Operation] = DATA_2025_10 | {
    ("POST", f"/namespaces/{{namespace}}/documents/{action}")
    for action in ("upsert", "search", "fetch", "delete", "update", "list")
}


@cache
def _template_regex(template: str) -> re.Pattern[str]:
    # A path parameter is one non-empty segment, as in OpenAPI path templating.
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")


def methods_for_path(operations: frozenset[Operation], path: str) -> set[str]:
    """The methods ``operations`` declare for a concrete ``path`` (empty if no template matches).

    A literal template beats a templated one, as in OpenAPI path matching: ``/indexes/create-for-model``
    is not ``/indexes/{index_name}``.
    """
    literal = {method for method, template in operations if template == path}
    if literal:
        return literal
    return {method for method, template in operations if _template_regex(template).match(path)}
