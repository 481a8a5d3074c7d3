"""Reranking ``search_records`` hits, with a deterministic local stand-in for Pinecone's rerankers.

**The emulator does not run the reranking models.** The stand-in scores each first-stage hit by
the share of the rerank query's words (lower-cased ``\\w+`` runs, as in :mod:`.integrated`) that
occur in the hit's ``rank_fields`` text, from 0 to 1; equal scores keep the first-stage order. So a
hit that contains the query's words comes first, the same request always ranks the same way, and
nothing is downloaded; but there is no semantics, and scores are not Pinecone's. The request is
validated as Pinecone does: a known model, ``rank_fields`` present on every hit (one field for
models that take one), ``top_n`` at most ``top_k``, and a ``query`` when the search has no text.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from airflow_provider_pinecone.testing.emulator.errors import InvalidArgument, require_number, require_object
from airflow_provider_pinecone.testing.emulator.integrated import words
from airflow_provider_pinecone.testing.emulator.store import VectorRecord

#: Pinecone's hosted rerankers, and how many rank fields each takes (docs.pinecone.io/models).
RERANK_MODELS: dict[str, int | None] = {
    "bge-reranker-v2-m3": 1,
    "pinecone-rerank-v0": 1,
    "cohere-rerank-3.5": None,  # several fields
}


@dataclasses.dataclass(frozen=True)
class Rerank:
    """A validated ``rerank`` object of a search request."""

    model: str
    rank_fields: tuple[str, ...]
    top_n: int
    query: str


def parse_rerank(raw: Any, top_k: int, search_text: str | None) -> Rerank:
    """Validate ``SearchRecordsRequest.rerank``; ``search_text`` is the query's ``inputs.text``, if any."""
    rerank = require_object(raw, "rerank")
    model = rerank.get("model")
    if not isinstance(model, str) or model not in RERANK_MODELS:
        raise InvalidArgument(f"Unknown rerank model {model!r}: the emulator knows {', '.join(RERANK_MODELS)}.")
    fields = rerank.get("rank_fields")
    if not isinstance(fields, list) or not fields or not all(isinstance(f, str) and f for f in fields):
        raise InvalidArgument('rerank.rank_fields must name the fields to rerank by, like ["chunk_text"].')
    most = RERANK_MODELS[model]
    if most is not None and len(fields) > most:
        raise InvalidArgument(f"Rerank model {model} takes {most} rank field; got {len(fields)}.")
    top_n = top_k
    if rerank.get("top_n") is not None:
        top_n = require_number("rerank.top_n", rerank["top_n"], minimum=1, maximum=top_k, integer=True)
    query = rerank.get("query", search_text)
    if not isinstance(query, str) or not query:
        raise InvalidArgument(
            "rerank.query is required when the search has no query text (it searches by vector or id)."
        )
    return Rerank(model=model, rank_fields=tuple(fields), top_n=top_n, query=query)


def rerank_hits(hits: list[tuple[float, VectorRecord]], request: Rerank) -> list[tuple[float, VectorRecord]]:
    """The ``top_n`` best of ``hits`` by the stand-in's score; a hit without a rank field is a 400."""
    wanted = set(words(request.query))
    scored = []
    for _first_stage_score, record in hits:
        metadata = record.metadata or {}
        missing = [f for f in request.rank_fields if not isinstance(metadata.get(f), str)]
        if missing:
            raise InvalidArgument(
                f"Record {record.id!r} has no text field {missing[0]!r} to rerank by: every hit must "
                "hold each of rerank.rank_fields (filter the others out, or rerank by another field)."
            )
        found = set(words(" ".join(metadata[f] for f in request.rank_fields)))
        scored.append((len(wanted & found) / len(wanted) if wanted else 0.0, record))
    # sorted() is stable: equal scores keep the first-stage order.
    return sorted(scored, key=lambda pair: -pair[0])[: request.top_n]
