"""Lineage: what our tasks read and wrote, for OpenLineage and for Airflow's hook lineage collector.

Inputs are object-storage datasets named by the OpenLineage naming spec (``s3://<bucket>`` /
``gs://<bucket>`` with the key as the name; Azure Blob Storage as
``wasbs://<container>@<account>.dfs.core.windows.net``). Outputs are Pinecone namespaces: namespace
``pinecone://<index>``, name the namespace (``__default__`` for the default one), the same naming
:func:`airflow_provider_pinecone.assets.convert_asset_to_openlineage` gives our assets.

Both OpenLineage and the hook lineage collector are optional: without the OpenLineage provider,
:func:`operator_lineage` returns ``None``, and without a lineage reader (or without
``apache-airflow-providers-common-compat``) :func:`collect_hook_lineage` does nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from airflow_provider_pinecone.client.models import DEFAULT_NAMESPACE
from airflow_provider_pinecone.uris import InvalidImportUri, parse_import_uri, without_secrets

log = logging.getLogger(__name__)


def storage_dataset(uri: str) -> tuple[str, str]:
    """OpenLineage ``(namespace, name)`` of an object-storage URI (a directory or a file).

    Raises :class:`~airflow_provider_pinecone.uris.InvalidImportUri` for a URI of no known storage.
    """
    location = parse_import_uri(without_secrets(uri))
    if location.cloud == "azure":
        namespace = f"wasbs://{location.bucket}@{location.account}.dfs.core.windows.net"
    else:
        namespace = f"{'s3' if location.cloud == 'aws' else 'gs'}://{location.bucket}"
    return namespace, location.prefix.rstrip("/") or "/"


def storage_asset_uri(uri: str) -> str:
    """An Airflow asset URI for an object-storage URI: as it is for S3 and GCS, ``wasbs://`` for Azure."""
    namespace, name = storage_dataset(uri)
    return namespace if name == "/" else f"{namespace}/{name}"


def _openlineage() -> Any:
    """The OpenLineage classes we use; ``ImportError`` when the OpenLineage provider is not installed."""
    from airflow.providers.openlineage.extractors import OperatorLineage  # the provider itself, not only the client
    from openlineage.client.generated.base import Dataset, OutputDataset
    from openlineage.client.generated.output_statistics_output_dataset import OutputStatisticsOutputDatasetFacet

    return OperatorLineage, Dataset, OutputDataset, OutputStatisticsOutputDatasetFacet


def pinecone_dataset(index: str, namespace: str, records: int | None = None) -> Any:
    """The OpenLineage dataset of one namespace, with its record count when given (needs OpenLineage)."""
    _, dataset, output_dataset, statistics = _openlineage()
    name = namespace or DEFAULT_NAMESPACE
    if records is None:
        return dataset(namespace=f"pinecone://{index}", name=name)
    return output_dataset(
        namespace=f"pinecone://{index}", name=name, outputFacets={"outputStatistics": statistics(rowCount=records)}
    )


def operator_lineage(
    sources: Iterable[str],
    index: str | None,
    outputs: Mapping[str, int | None],
    *,
    input_statistics: Mapping[str, dict[str, int]] | None = None,
) -> Any:
    """An ``OperatorLineage`` of storage ``sources`` read and ``outputs`` (namespace -> records) written.

    :param input_statistics: per source, ``rowCount``, ``size`` and ``fileCount`` (pre-flight knows them).

    ``None`` when the OpenLineage provider is not installed. A source that is no storage URI is
    left out (and logged), never an error: lineage must not fail a task.
    """
    try:
        operator_lineage_class, dataset, _, _ = _openlineage()
        from openlineage.client.generated.base import InputDataset
        from openlineage.client.generated.input_statistics_input_dataset import InputStatisticsInputDatasetFacet
    except ImportError:
        return None
    inputs = []
    for source in dict.fromkeys(sources):
        try:
            namespace, name = storage_dataset(source)
        except InvalidImportUri:
            log.debug("No OpenLineage input for %s: not an object-storage URI.", without_secrets(source))
            continue
        stats = (input_statistics or {}).get(source)
        if stats is None:
            inputs.append(dataset(namespace=namespace, name=name))
        else:
            facet = InputStatisticsInputDatasetFacet(
                rowCount=stats.get("rowCount"), size=stats.get("size"), fileCount=stats.get("fileCount")
            )
            inputs.append(InputDataset(namespace=namespace, name=name, inputFacets={"inputStatistics": facet}))
    written = [pinecone_dataset(index, ns, records) for ns, records in sorted(outputs.items())] if index else []
    return operator_lineage_class(inputs=inputs, outputs=written)


def collect_hook_lineage(hook: Any, *, sources: Iterable[str] = (), index: str | None = None,
                         outputs: Mapping[str, int | None] | None = None) -> None:  # fmt: skip
    """Report a hook's reads (storage URIs) and writes (namespaces of ``index``) to Airflow's collector.

    A no-op without common-compat or a registered lineage reader; never raises.
    """
    try:
        from airflow.providers.common.compat.lineage.hook import get_hook_lineage_collector
    except ImportError:
        return
    if not _hook_lineage_read():
        return
    from airflow_provider_pinecone.assets import SCHEME

    try:
        collector = get_hook_lineage_collector()
        for source in sources:
            try:
                collector.add_input_asset(context=hook, uri=storage_asset_uri(source))
            except InvalidImportUri:
                continue
        for namespace, records in sorted((outputs or {}).items()) if index else ():
            extra = {"records": records} if records is not None else None
            collector.add_output_asset(
                context=hook, scheme=SCHEME, asset_kwargs={"index": index, "namespace": namespace}, asset_extra=extra
            )
    except Exception:  # lineage is best effort: it must never fail a load
        log.debug("Hook lineage could not be collected.", exc_info=True)


def _hook_lineage_read() -> bool:
    """Whether a hook lineage reader (OpenLineage's, say) is registered to read what a hook reports.

    Without one, Airflow's collector drops everything, yet building it loads the asset handlers of
    every installed provider: with the Google provider installed, ~750 modules and ~100 MiB of RSS
    in the worker, measured at the end of an upsert (benchmarks/upsert_throughput.py).
    """
    try:
        from airflow.sdk import plugins_manager  # Airflow 3.2 and later

        return bool(plugins_manager.get_hook_lineage_readers_plugins())
    except (ImportError, AttributeError):
        pass
    try:
        from airflow import plugins_manager as core_plugins  # Airflow 3.1

        core_plugins.initialize_hook_lineage_readers_plugins()  # type: ignore[attr-defined]
        return bool(core_plugins.hook_lineage_reader_classes)  # type: ignore[attr-defined]
    except (ImportError, AttributeError):
        return True  # unknown: let the collector decide
