"""Split one large load into balanced partitions, for dynamic task mapping over many workers.

A partition is a plain dict (it travels through XCom) listing whole Parquet files with their
namespaces; files are spread so that every partition holds about the same number of bytes.
Whole files, because a Parquet file is read by one task from start to end (row groups are the
resume points inside it)::

    plan = PlanUpsertPartitionsOperator(task_id="plan", uri=URI, partitions=8)
    UpsertOperator.partial(task_id="upsert", pinecone_conn_id="pinecone").expand(partition=plan.output)
"""

from __future__ import annotations

import heapq
from dataclasses import asdict
from typing import Any

from airflow_provider_pinecone.upsert.sources import SourceFile

#: The most partitions one plan makes: Airflow's default ``max_map_length`` is 1,024.
MAX_PARTITIONS = 1024


def balance(files: list[SourceFile], partitions: int) -> list[dict[str, Any]]:
    """Spread ``files`` over at most ``partitions`` partitions of nearly equal size (largest first).

    Greedy "longest processing time first": each file, largest first, goes to the lightest
    partition so far, which keeps the heaviest within 4/3 of the best possible split. Empty
    partitions are dropped, so fewer files than partitions give one partition per file.
    """
    if not 1 <= partitions <= MAX_PARTITIONS:
        raise ValueError(f"partitions must be between 1 and {MAX_PARTITIONS}, got {partitions!r}.")
    heap: list[tuple[int, int, list[SourceFile]]] = [(0, i, []) for i in range(partitions)]
    for file in sorted(files, key=lambda f: (-f.size, f.url)):
        size, i, members = heapq.heappop(heap)
        members.append(file)
        heapq.heappush(heap, (size + file.size, i, members))
    chosen = sorted((i, size, members) for size, i, members in heap if members)
    return [
        {
            "files": [asdict(f) for f in sorted(members, key=lambda f: f.url)],
            "bytes": size,
            "partition": number,
            "partitions": len(chosen),
        }
        for number, (_, size, members) in enumerate(chosen)
    ]


def files_of(partition: Any) -> list[SourceFile]:
    """The files of one partition made by :func:`balance`; a clear error for anything else."""
    entries = partition.get("files") if isinstance(partition, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ValueError(
            "partition must be one item of PlanUpsertPartitionsOperator's output (a dict with a non-empty "
            f"'files' list), got {type(partition).__name__}."
        )
    try:
        return [SourceFile(**entry) for entry in entries]
    except TypeError as exc:
        raise ValueError(
            f"partition has a malformed file entry ({exc}); pass the planner's output unchanged."
        ) from None
