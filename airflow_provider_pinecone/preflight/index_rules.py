"""Rules comparing the import source with the index it goes into.

The index is described by :class:`~airflow_provider_pinecone.client.models.IndexModel` (from
``describe_index``) and its namespaces by their vector counts (from ``describe_index_stats``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from airflow_provider_pinecone.client.models import DEFAULT_NAMESPACE, IndexModel
from airflow_provider_pinecone.preflight.problems import Problem, error, warning
from airflow_provider_pinecone.preflight.schema import IndexType
from airflow_provider_pinecone.storage import ImportLocation

# The seeds' matrix: S3 imports only into AWS indexes; GCS and Azure import into any cloud.
_IMPORTABLE_CLOUDS = {"aws": {"aws"}, "gcp": {"aws", "gcp", "azure"}, "azure": {"aws", "gcp", "azure"}}


def index_type_of(index: IndexModel) -> IndexType:
    """The file layout an index takes: sparse, or dense (hybrid when its metric allows sparse values too)."""
    if index.vector_type == "sparse":
        return "sparse"
    # Only dotproduct dense indexes store sparse values beside dense ones (hybrid search).
    return "hybrid" if (index.metric or "").lower() == "dotproduct" else "dense"


def accepts(index_kind: IndexType, file_kind: IndexType) -> bool:
    """Whether files written for ``file_kind`` import into an index that takes ``index_kind``."""
    return file_kind == index_kind or (index_kind == "hybrid" and file_kind == "dense")


def index_problems(location: ImportLocation, index: IndexModel) -> list[Problem]:
    """What about the index itself stops (or changes) an import from ``location``."""
    problems = []
    where = f"index {index.name!r}"
    if not index.serverless:
        problems.append(
            error(
                "index.not_serverless",
                f"{where} is not a serverless index; imports only load serverless indexes. Import into a "
                "serverless index, or load this one with upsert.",
            )
        )
    if not index.ready:
        problems.append(
            error(
                "index.not_ready",
                f"{where} is not ready (state {index.state or 'unknown'}); wait until describe_index reports "
                "ready before importing.",
            )
        )
    if index.cloud and index.cloud not in _IMPORTABLE_CLOUDS[location.cloud]:
        problems.append(
            error(
                "index.cloud_mismatch",
                f"{where} is hosted on {index.cloud.upper()}, and Pinecone cannot import from "
                f"{location.storage_name} into an index on {index.cloud.upper()}. Copy the files to Google "
                "Cloud Storage or Azure Blob Storage, or import into an index on AWS.",
                location.uri,
            )
        )
    if index.integrated_embedding:
        problems.append(
            warning(
                "index.integrated_embedding",
                f"{where} has integrated embedding ({index.embedding_model or 'a hosted model'}). Imported "
                "records must carry vectors, not text: to load text for the index to embed, use upsert.",
            )
        )
    return problems


def namespace_problems(
    location: ImportLocation, namespaces: Iterable[str], existing: Mapping[str, int]
) -> list[Problem]:
    """Namespaces of the import that already exist in the index: the import would fail on them."""
    problems = []
    for name in namespaces:
        folder = location.folder_url(name)
        if name == DEFAULT_NAMESPACE:
            if existing.get(DEFAULT_NAMESPACE) or existing.get(""):
                problems.append(
                    error(
                        "index.default_namespace_not_empty",
                        f"The import loads the default namespace (folder {DEFAULT_NAMESPACE}), which is "
                        "not empty in the index; an import into the default namespace needs it empty. "
                        "Rename the folder to a new namespace, or delete the default namespace's records.",
                        folder,
                    )
                )
        elif name in existing:
            problems.append(
                error(
                    "index.namespace_exists",
                    f'The namespace "{name}" already exists. Imports are only allowed into nonexistent '
                    "namespaces: rename the folder to a namespace the index does not have yet.",
                    folder,
                )
            )
    return problems


def dimension_problem(path: str, dimension: int, index_dimension: int) -> Problem:
    """A file whose vectors all have one dimension, and not the index's."""
    return error(
        "index.dimension_mismatch",
        f"The vectors in {path} have dimension {dimension}, but the index has dimension {index_dimension}. "
        f"Import them into an index of dimension {dimension}, or re-embed them.",
        path,
    )


def vector_type_problem(index: IndexModel, index_kind: IndexType, file_kind: IndexType, path: str) -> Problem:
    """A file written for one vector type, going into an index of another."""
    return error(
        "index.vector_type_mismatch",
        f"{path} holds {file_kind} vectors, but index {index.name!r} is {index_kind}"
        f"{' (dotproduct: dense or hybrid files)' if index_kind == 'hybrid' else ''}; every record would be "
        "skipped. Write the file with the index's columns, or import into a matching index.",
        path,
    )
