"""Integrated embedding: the hosted models an index can be created for, and a local stand-in for them.

**The emulator does not run Pinecone's embedding models.** An index created for a model
(``POST /indexes/create-for-model``) gets the model's vector type, dimension and metric, but its
text is embedded by a deterministic stand-in: a *hashed bag of words*. The text is lower-cased and
split into words (``\\w+``); each word is hashed (BLAKE2b) to a dimension and a sign, the counts are
summed, and the vector is scaled to unit length. Sparse models get one index per distinct word
(the hash modulo 2**32) weighted by its share of the words. So texts that share words score higher
than texts that do not, the same text always gets the same vector on every machine, and nothing
is downloaded; but there is no semantics (synonyms and translations do not match), and scores are
not Pinecone's. The records API then works as on Pinecone: ``upsert_records`` embeds the mapped
field and keeps every field as metadata, ``search_records`` embeds ``inputs.text``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import re
from collections import Counter
from typing import Any

from airflow_provider_pinecone.testing.emulator.errors import InvalidArgument, require_object
from airflow_provider_pinecone.testing.emulator.state import EmbedConfig, IndexConfig
from airflow_provider_pinecone.testing.emulator.store import SparseVector

_WORD = re.compile(r"\w+")
_SPARSE_SPACE = 2**32


@dataclasses.dataclass(frozen=True)
class HostedModel:
    """What Pinecone documents of one embedding model (its vector type, dimensions and metrics)."""

    vector_type: str
    dimensions: tuple[int, ...]
    metrics: tuple[str, ...]

    @property
    def default_dimension(self) -> int | None:
        """The dimension used when none is asked for (``None`` for sparse models)."""
        return 1024 if 1024 in self.dimensions else (self.dimensions[0] if self.dimensions else None)


# docs.pinecone.io/models: the embedding models an index can be created for.
MODELS: dict[str, HostedModel] = {
    "multilingual-e5-large": HostedModel("dense", (1024,), ("cosine", "euclidean", "dotproduct")),
    "llama-text-embed-v2": HostedModel("dense", (384, 512, 768, 1024, 2048), ("cosine", "dotproduct")),
    "pinecone-sparse-english-v0": HostedModel("sparse", (), ("dotproduct",)),
}
DEFAULT_READ_PARAMETERS = {"input_type": "query", "truncate": "END"}
DEFAULT_WRITE_PARAMETERS = {"input_type": "passage", "truncate": "END"}


def words(text: str) -> list[str]:
    """The stand-in tokenizer: lower-cased ``\\w+`` runs."""
    return _WORD.findall(text.lower())


def _hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "big")


def embed_dense(text: str, dimension: int) -> list[float]:
    """The unit-length hashed bag-of-words vector of ``text`` (a fixed unit vector for no words)."""
    vector = [0.0] * dimension
    for word, count in Counter(words(text)).items():
        hashed = _hash(word)
        vector[hashed % dimension] += count if (hashed >> 63) else -count
    norm = math.sqrt(math.fsum(v * v for v in vector))
    if not norm:
        vector[0], norm = 1.0, 1.0
    return [v / norm for v in vector]


def embed_sparse(text: str) -> SparseVector:
    """One index per distinct word (its hash modulo 2**32), weighted by its share of the words."""
    counts = Counter(words(text))
    total = sum(counts.values()) or 1
    weights: dict[int, float] = {}
    for word, count in counts.items():
        index = _hash(word) % _SPARSE_SPACE
        weights[index] = weights.get(index, 0.0) + count / total
    if not weights:
        weights = {0: 1.0}
    indices = sorted(weights)
    return SparseVector(tuple(indices), tuple(weights[i] for i in indices))


def parse_create_for_model(body: dict[str, Any]) -> IndexConfig:
    """A ``CreateIndexForModelRequest`` as an (unvalidated) :class:`IndexConfig` with ``embed`` set."""
    for field in ("name", "cloud", "region", "embed"):
        if field not in body:
            raise InvalidArgument(
                f"Missing required field {field!r}: create-for-model needs name, cloud, region, embed."
            )
    embed = require_object(body["embed"], "embed")
    model_name = embed.get("model")
    if not isinstance(model_name, str) or model_name not in MODELS:
        raise InvalidArgument(f"Unknown embedding model {model_name!r}: the emulator knows {', '.join(MODELS)}.")
    model = MODELS[model_name]
    metric = embed.get("metric") or model.metrics[0]
    if metric not in model.metrics:
        raise InvalidArgument(f"Model {model_name} supports the metrics {', '.join(model.metrics)}, not {metric!r}.")
    dimension = embed.get("dimension")
    if model.vector_type == "sparse":
        if dimension is not None:
            raise InvalidArgument(f"Model {model_name} produces sparse vectors: omit embed.dimension.")
    elif dimension is None:
        dimension = model.default_dimension
    elif dimension not in model.dimensions:
        supported = ", ".join(map(str, model.dimensions))
        raise InvalidArgument(f"Model {model_name} supports the dimensions {supported}, not {dimension!r}.")
    if body.get("read_capacity") not in (None, {"mode": "OnDemand"}):
        raise InvalidArgument('read_capacity: the emulator only supports {"mode": "OnDemand"}.')
    return IndexConfig(
        name=body["name"],
        vector_type=model.vector_type,
        dimension=dimension,
        metric=metric,
        cloud=body["cloud"],
        region=body["region"],
        deletion_protection=body.get("deletion_protection") or "disabled",
        tags=body.get("tags") or None,
        embed=EmbedConfig(
            model=model_name,
            field=_text_field(embed.get("field_map")),
            read_parameters=_parameters(embed.get("read_parameters"), "embed.read_parameters"),
            write_parameters=_parameters(embed.get("write_parameters"), "embed.write_parameters"),
        ),
    )


def _text_field(field_map: Any) -> str:
    field = field_map.get("text") if isinstance(field_map, dict) else None
    if not isinstance(field, str) or not field:
        raise InvalidArgument('embed.field_map must name the text field to embed, like {"text": "chunk_text"}.')
    return field


def _parameters(raw: Any, where: str) -> dict[str, Any] | None:
    return dict(require_object(raw, where)) if raw is not None else None


def reconfigure_embed(config: IndexConfig, embed: dict[str, Any]) -> IndexConfig:
    """Apply ``ConfigureIndexRequest.embed`` (2025-xx/2026-04): change the field map or parameters,
    or turn an index whose vectors fit a model into an integrated one."""
    current = config.embed
    model_name = embed.get("model", current.model if current else None)
    if current is not None and model_name != current.model:
        raise InvalidArgument(f"The embedding model of an index cannot be changed once set (it is {current.model}).")
    if current is None:
        if not isinstance(model_name, str) or model_name not in MODELS:
            raise InvalidArgument(
                f"embed.model must name an embedding model to convert this index to integrated embedding "
                f"({', '.join(MODELS)}), got {model_name!r}."
            )
        model = MODELS[model_name]
        if model.vector_type != config.vector_type or (model.dimensions and config.dimension not in model.dimensions):
            raise InvalidArgument(
                f"Model {model_name} produces {model.vector_type} vectors of dimension "
                f"{'/'.join(map(str, model.dimensions)) or 'none'}; this index is {config.vector_type} "
                f"with dimension {config.dimension}."
            )
        if config.metric not in model.metrics:
            raise InvalidArgument(f"Model {model_name} does not support this index's metric {config.metric}.")
        if "field_map" not in embed:
            raise InvalidArgument('embed.field_map is required to convert an index, like {"text": "chunk_text"}.')
    base = current or EmbedConfig(model=str(model_name), field="")
    return dataclasses.replace(
        config,
        embed=dataclasses.replace(
            base,
            field=_text_field(embed["field_map"]) if "field_map" in embed else base.field,
            read_parameters=_parameters(embed.get("read_parameters"), "embed.read_parameters")
            if "read_parameters" in embed
            else base.read_parameters,
            write_parameters=_parameters(embed.get("write_parameters"), "embed.write_parameters")
            if "write_parameters" in embed
            else base.write_parameters,
        ),
    )


def reconfigure_semantic_field(config: IndexConfig, schema: dict[str, Any]) -> IndexConfig:
    """Apply ``ConfigureIndexRequest.schema`` (2026-07): new read/write parameters of the semantic_text field."""
    fields = require_object(schema.get("fields"), "schema.fields")
    if len(fields) != 1:
        raise InvalidArgument("schema.fields must name exactly one semantic_text field per request.")
    ((name, field),) = fields.items()
    field = require_object(field, f"schema.fields.{name}")
    if config.embed is None or name != config.embed.field:
        where = f"its semantic_text field is {config.embed.field!r}" if config.embed else "it has none"
        raise InvalidArgument(f"schema.fields.{name}: only a semantic_text field can be changed, and {where}.")
    if field.get("type") != "semantic_text":
        raise InvalidArgument(f"schema.fields.{name}.type must be 'semantic_text'.")
    unknown = set(field) - {"type", "model", "read_parameters", "write_parameters"}
    if unknown:
        raise InvalidArgument(f"schema.fields.{name}: unknown field(s) {sorted(unknown)}.")
    return reconfigure_embed(config, {k: v for k, v in field.items() if k != "type"})


def embed_wire(config: IndexConfig) -> dict[str, Any]:
    """``IndexModel.embed`` (2025-xx, 2026-04) of an integrated index."""
    embed = config.embed
    assert embed is not None
    wire: dict[str, Any] = {"model": embed.model, "metric": config.metric}
    if config.dimension is not None:
        wire["dimension"] = config.dimension
    wire.update(
        vector_type=config.vector_type,
        field_map={"text": embed.field},
        read_parameters=embed.read_parameters or dict(DEFAULT_READ_PARAMETERS),
        write_parameters=embed.write_parameters or dict(DEFAULT_WRITE_PARAMETERS),
    )
    return wire


def semantic_field_wire(config: IndexConfig) -> dict[str, dict[str, Any]]:
    """``IndexModel.schema.fields`` (2026-07) of an integrated index: its one ``semantic_text`` field."""
    embed = config.embed
    assert embed is not None
    return {
        embed.field: {
            "type": "semantic_text",
            "model": embed.model,
            "metric": config.metric,
            "dimension": config.dimension,
            "read_parameters": embed.read_parameters or dict(DEFAULT_READ_PARAMETERS),
            "write_parameters": embed.write_parameters or dict(DEFAULT_WRITE_PARAMETERS),
            "description": None,
        }
    }


def with_embed(model: dict[str, Any], config: IndexConfig, schema_indexes: bool) -> dict[str, Any]:
    """An ``IndexModel`` with the index's integrated embedding added, in the version's shape."""
    if config.embed is None:
        return model
    if schema_indexes:
        model["schema"] = {"fields": semantic_field_wire(config)}
    else:
        model["embed"] = embed_wire(config)
    return model
