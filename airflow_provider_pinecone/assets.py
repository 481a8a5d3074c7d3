"""Airflow assets for Pinecone namespaces: the ``pinecone://`` URI scheme, and the events our tasks emit.

**The scheme.** One asset per namespace of an index::

    pinecone://<index>/<namespace>

* ``<index>`` is the index **name**, lower case. A connection that gives only an index host is named
  by the index that host belongs to (looked up once through the control plane; see
  :meth:`~airflow_provider_pinecone.hooks.pinecone.PineconeHook.asset_index_name`), so an asset stays
  the same whichever way a task reaches the index. Only when that lookup is impossible is the host
  itself used.
* ``<namespace>`` is the namespace, percent-encoded (``quote(namespace, safe="")``: ``a/b`` is
  ``a%2Fb``); the default namespace (``""`` on the wire) is spelled ``__default__``, as in the
  import layout.
* The asset's ``name`` is its URI, so a consumer declares ``Asset("pinecone://my-index/docs")`` and
  matches the producer's (Airflow keys assets on name and URI).

**Emission.** The target of a load is rarely known when the DAG is parsed (``uri`` and
``index_name`` are templated; an import's namespaces are its sub-directories), so import and upsert
tasks declare an :class:`~airflow.sdk.AssetAlias` named ``pinecone:<dag_id>.<task_id>`` as an outlet
and, on success, attach one event per namespace they wrote to it (:func:`emit_load_events`). Airflow
creates the asset on first use, and a DAG scheduled on ``Asset("pinecone://<index>/<namespace>")``
runs after it. An ``Asset`` with the same URI that the user declared in ``outlets`` gets the extra
directly instead, so it is not counted twice.

Provider info registers the scheme (``asset-uris``): :func:`sanitize_uri` normalizes and validates
URIs, :func:`create_asset` is the factory hook lineage uses, and
:func:`convert_asset_to_openlineage` names the asset the way the operators' OpenLineage facets do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, quote, unquote, urlsplit

from airflow_provider_pinecone.client.models import DEFAULT_NAMESPACE

if TYPE_CHECKING:
    from airflow.sdk import Asset, AssetAlias

SCHEME = "pinecone"
#: Prefix of the alias our tasks declare as an outlet; the rest is ``<dag_id>.<task_id>``.
ALIAS_PREFIX = "pinecone:"


def namespace_segment(namespace: str) -> str:
    """``namespace`` as the URI's path segment: percent-encoded, the default one as ``__default__``."""
    return quote(namespace or DEFAULT_NAMESPACE, safe="")


def pinecone_uri(index: str, namespace: str) -> str:
    """The asset URI of ``namespace`` (``""`` or ``__default__`` for the default one) of ``index``."""
    if not index or not index.strip():
        raise ValueError("A Pinecone asset needs an index name.")
    return f"{SCHEME}://{index.strip().lower()}/{namespace_segment(namespace)}"


def parse_pinecone_uri(uri: str) -> tuple[str, str]:
    """``(index, namespace)`` of a ``pinecone://`` URI; the default namespace comes back as ``__default__``."""
    parts = sanitize_uri(urlsplit(uri))
    return parts.netloc, unquote(parts.path[1:])


def sanitize_uri(uri: SplitResult) -> SplitResult:
    """Airflow's URI handler for ``pinecone://``: validate, and normalize to the one spelling of each asset.

    The index is lower-cased (Pinecone index names are lower case) and the namespace re-encoded,
    so ``a%2fb`` and ``a%2Fb`` (or ``a b`` and ``a%20b``) are the same asset.
    """
    if not uri.netloc:
        raise ValueError(f"A {SCHEME}:// URI names the index first: {SCHEME}://<index>/<namespace>.")
    if uri.query:
        raise ValueError(f"A {SCHEME}:// URI has no query string: {SCHEME}://<index>/<namespace>.")
    segments = uri.path.strip("/").split("/") if uri.path.strip("/") else []
    if len(segments) != 1:
        raise ValueError(
            f"A {SCHEME}:// URI names exactly one namespace after the index: {SCHEME}://<index>/<namespace>, "
            f"with {DEFAULT_NAMESPACE} for the default namespace and a '/' in a namespace written %2F."
        )
    return uri._replace(netloc=uri.netloc.lower(), path="/" + namespace_segment(unquote(segments[0])), fragment="")


def create_asset(*, index: str, namespace: str, extra: dict[str, Any] | None = None) -> Asset:
    """The asset of one namespace (the factory Airflow's hook lineage calls for ``scheme="pinecone"``)."""
    from airflow.sdk import Asset

    uri = pinecone_uri(index, namespace)
    return Asset(uri=uri, name=uri, extra=extra or {})


def convert_asset_to_openlineage(asset: Asset, lineage_context: Any = None) -> Any:
    """The OpenLineage dataset of a ``pinecone://`` asset: namespace ``pinecone://<index>``, name the namespace."""
    from airflow_provider_pinecone.lineage import pinecone_dataset

    index, namespace = parse_pinecone_uri(asset.uri)
    return pinecone_dataset(index, namespace)


def task_alias(task: Any) -> AssetAlias:
    """The alias a task declares as its outlet: ``pinecone:<dag_id>.<task_id>``."""
    from airflow.sdk import AssetAlias

    owner = f"{task.dag_id}.{task.task_id}" if task.has_dag() else task.task_id
    return AssetAlias(name=f"{ALIAS_PREFIX}{owner}")


def declare_outlets(task: Any) -> None:
    """Add the task's alias to its outlets (called from ``__init__``, after ``BaseOperator.__init__``)."""
    alias = task_alias(task)
    if alias not in task.outlets:
        task.outlets = [*task.outlets, alias]


def emit_load_events(task: Any, context: Any, index: str, extras: Mapping[str, dict[str, Any]]) -> list[str]:
    """Attach one asset event per namespace written (``extras``: namespace -> event extra); return the URIs.

    Events go to an ``Asset`` of the same URI the user declared in ``outlets``, else to the task's
    alias (see the module docstring).
    """
    from airflow.sdk import Asset, AssetAlias

    outlet_events = context.get("outlet_events")
    if outlet_events is None:  # execute() called outside Airflow's task runner: nothing to emit to
        return []
    declared = {outlet.uri: outlet for outlet in task.outlets if isinstance(outlet, Asset)}
    alias = next((o for o in task.outlets if isinstance(o, AssetAlias) and o.name.startswith(ALIAS_PREFIX)), None)
    uris = []
    for namespace, extra in sorted(extras.items()):
        asset = create_asset(index=index, namespace=namespace)
        if asset.uri in declared:
            outlet_events[declared[asset.uri]].extra.update(extra)
        elif alias is not None:
            outlet_events[alias].add(asset, extra=extra)
        else:
            continue  # the user removed our alias from outlets: emit nothing undeclared
        uris.append(asset.uri)
    return uris
