"""The pinecone:// asset scheme, OpenLineage naming and hook lineage, without a server."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from airflow.sdk import Asset, AssetAlias

from airflow_provider_pinecone import assets, lineage
from airflow_provider_pinecone.provider_info import PROVIDER_INFO


@pytest.mark.parametrize(
    ("index", "namespace", "uri"),
    [
        ("my-index", "docs", "pinecone://my-index/docs"),
        ("my-index", "", "pinecone://my-index/__default__"),
        ("my-index", "__default__", "pinecone://my-index/__default__"),
        ("My-Index", "a/b c%", "pinecone://my-index/a%2Fb%20c%25"),
    ],
)
def test_a_namespace_has_one_uri_and_parses_back(index, namespace, uri):
    assert assets.pinecone_uri(index, namespace) == uri
    assert assets.parse_pinecone_uri(uri) == (index.lower(), namespace or "__default__")


@pytest.mark.parametrize(
    ("given", "normalized"),
    [
        ("pinecone://IDX/a%2fb", "pinecone://idx/a%2Fb"),
        ("pinecone://idx/a b", "pinecone://idx/a%20b"),
        ("pinecone://idx/docs/", "pinecone://idx/docs"),
    ],
)
def test_sanitize_gives_every_spelling_of_an_asset_one_form(given, normalized):
    parts = urlsplit(given)  # Airflow strips trailing slashes before calling the handler
    assert assets.sanitize_uri(parts._replace(path=parts.path.rstrip("/") or "/")).geturl() == normalized


@pytest.mark.parametrize(
    ("uri", "needle"),
    [
        ("pinecone:///docs", "names the index"),
        ("pinecone://idx", "exactly one namespace"),
        ("pinecone://idx/", "exactly one namespace"),
        ("pinecone://idx/a/b", "exactly one namespace"),
        ("pinecone://idx/a?x=1", "no query"),
    ],
)
def test_sanitize_refuses_a_uri_that_names_no_single_namespace(uri, needle):
    with pytest.raises(ValueError, match=needle):
        assets.sanitize_uri(urlsplit(uri))


def test_the_provider_registers_the_scheme_with_handler_factory_and_converter():
    (entry,) = PROVIDER_INFO["asset-uris"]
    assert entry["schemes"] == ["pinecone"]
    for key, func in (("handler", "sanitize_uri"), ("factory", "create_asset"),
                      ("to_openlineage_converter", "convert_asset_to_openlineage")):  # fmt: skip
        assert entry[key] == f"airflow_provider_pinecone.assets.{func}"


def test_an_asset_is_named_by_its_uri_so_a_consumer_can_declare_it():
    asset = assets.create_asset(index="idx", namespace="", extra={"k": 1})
    assert asset.uri == asset.name == "pinecone://idx/__default__" and asset.extra == {"k": 1}
    consumer = Asset(uri="pinecone://idx/__default__", name="pinecone://idx/__default__")
    assert (consumer.name, consumer.uri) == (asset.name, asset.uri)


@pytest.mark.parametrize(
    ("uri", "dataset"),
    [
        ("s3://bucket/imports/2026/", ("s3://bucket", "imports/2026")),
        ("gs://bucket", ("gs://bucket", "/")),
        ("gs://bucket/x/part-0.parquet", ("gs://bucket", "x/part-0.parquet")),
        ("https://acct.blob.core.windows.net/cont/dir", ("wasbs://cont@acct.dfs.core.windows.net", "dir")),
    ],
)
def test_storage_is_named_as_the_openlineage_spec_says(uri, dataset):
    assert lineage.storage_dataset(uri) == dataset


class _Task:
    """What emit_load_events reads of an operator."""

    def __init__(self, outlets):
        self.outlets = outlets


class _AliasEvents:
    def __init__(self):
        self.added = []

    def add(self, asset, extra=None):
        self.added.append((asset.uri, extra))


class _AssetEvents:
    def __init__(self):
        self.extra = {}


class _OutletEvents:
    """``context["outlet_events"]``: an accessor per outlet (outlets are not hashable on Airflow 3.1)."""

    def __init__(self):
        self.items = []

    def __getitem__(self, key):
        for known, accessor in self.items:
            if known == key:
                return accessor
        self.items.append((key, _AliasEvents() if isinstance(key, AssetAlias) else _AssetEvents()))
        return self.items[-1][1]


def test_events_go_to_the_alias_or_to_a_declared_asset_of_the_same_uri():
    alias, declared = AssetAlias("pinecone:d.t"), Asset(uri="pinecone://idx/b", name="pinecone://idx/b")
    events = _OutletEvents()
    uris = assets.emit_load_events(_Task([alias, declared]), {"outlet_events": events}, "idx",
                                   {"a": {"records": 1}, "b": {"records": 2}})  # fmt: skip
    assert uris == ["pinecone://idx/a", "pinecone://idx/b"]
    assert events[alias].added == [("pinecone://idx/a", {"records": 1})]
    assert events[declared].extra == {"records": 2}


def test_without_our_alias_nothing_undeclared_is_emitted():
    events = _OutletEvents()
    assert assets.emit_load_events(_Task([]), {"outlet_events": events}, "idx", {"a": {}}) == []
    assert not events.items


def test_operators_declare_their_alias():
    from airflow.sdk import DAG

    from airflow_provider_pinecone.operators.imports import StartImportOperator
    from airflow_provider_pinecone.operators.upsert import UpsertOperator

    with DAG("d", schedule=None):
        start = StartImportOperator(task_id="start", uri="s3://b/x")
        upsert = UpsertOperator(task_id="up", records=[])
    assert AssetAlias("pinecone:d.start") in start.outlets and AssetAlias("pinecone:d.up") in upsert.outlets


def test_without_the_openlineage_provider_the_facets_are_none(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_openlineage(name, *args, **kwargs):
        if name.startswith("airflow.providers.openlineage"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_openlineage)
    assert lineage.operator_lineage(["s3://b/x"], "idx", {"a": 1}) is None


def test_with_openlineage_inputs_outputs_and_counts():
    pytest.importorskip("airflow.providers.openlineage")
    statistics = {"s3://b/x": {"rowCount": 5, "size": 10, "fileCount": 1}}
    got = lineage.operator_lineage(
        ["s3://b/x", "records"], "idx", {"a": 3, "__default__": 2}, input_statistics=statistics
    )
    assert [(d.namespace, d.name, d.inputFacets["inputStatistics"].rowCount) for d in got.inputs] == [
        ("s3://b", "x", 5)
    ]
    assert [(d.namespace, d.name, d.outputFacets["outputStatistics"].rowCount) for d in got.outputs] == [
        ("pinecone://idx", "__default__", 2), ("pinecone://idx", "a", 3)
    ]  # fmt: skip
    converted = assets.convert_asset_to_openlineage(Asset(uri="pinecone://idx/a%2Fb", name="x"))
    assert (converted.namespace, converted.name) == ("pinecone://idx", "a/b")


def test_hook_lineage_reaches_the_collector(monkeypatch):
    from airflow.providers.common.compat.lineage import hook as compat_hook

    class Collector:
        def __init__(self):
            self.inputs, self.outputs = [], []

        def add_input_asset(self, context, uri=None, **kwargs):
            self.inputs.append(uri)

        def add_output_asset(self, context, scheme=None, asset_kwargs=None, asset_extra=None, **kwargs):
            self.outputs.append((scheme, asset_kwargs, asset_extra))

    collector = Collector()
    monkeypatch.setattr(compat_hook, "get_hook_lineage_collector", lambda: collector)
    monkeypatch.setattr(lineage, "_hook_lineage_read", lambda: True)  # a reader is registered
    lineage.collect_hook_lineage(object(), sources=["s3://b/x", "not a uri"], index="idx", outputs={"a": 4})
    assert collector.inputs == ["s3://b/x"]
    assert collector.outputs == [("pinecone", {"index": "idx", "namespace": "a"}, {"records": 4})]
    # The factory Airflow calls for that scheme builds our asset.
    assert assets.create_asset(**collector.outputs[0][1]).uri == "pinecone://idx/a"


def test_without_a_lineage_reader_no_collector_is_built(monkeypatch):
    """Airflow's collector drops everything without a reader, and building it imports every provider's
    asset handlers (~100 MiB with the Google provider), so it is not built at all."""
    from airflow.providers.common.compat.lineage import hook as compat_hook

    assert lineage._hook_lineage_read() is False  # nothing registers a reader in the tests' Airflow
    built = []
    monkeypatch.setattr(compat_hook, "get_hook_lineage_collector", lambda: built.append(1))
    lineage.collect_hook_lineage(object(), sources=["s3://b/x"], index="idx", outputs={"a": 4})
    assert built == []
