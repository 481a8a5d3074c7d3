"""Rules over the listing of an import directory: namespaces, stray files and the size limits.

Pinecone reads ``<prefix>/<namespace>/<file>.parquet``: every Parquet file sits directly in a
namespace folder, and ``__default__`` is the default namespace. These functions are pure: they see
only the URI and the listing, never the network.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from airflow_provider_pinecone.client.models import DEFAULT_NAMESPACE
from airflow_provider_pinecone.preflight import limits
from airflow_provider_pinecone.preflight.problems import Problem, error, warning
from airflow_provider_pinecone.storage import ImportLocation, StoredObject

PARQUET_SUFFIX = ".parquet"


@dataclass
class NamespaceFiles:
    """The Parquet files Pinecone would import into one namespace, and their total size."""

    name: str
    files: list[StoredObject] = field(default_factory=list)
    bytes: int = 0


@dataclass
class Layout:
    """What the listing says: Parquet files per namespace, the problems found, and totals."""

    namespaces: dict[str, NamespaceFiles]
    problems: list[Problem]
    objects_listed: int

    @property
    def parquet_files(self) -> list[tuple[str, StoredObject]]:
        """Every importable file as ``(namespace, object)``, in key order."""
        pairs = [(ns.name, obj) for ns in self.namespaces.values() for obj in ns.files]
        return sorted(pairs, key=lambda pair: pair[1].key)


def _is_parquet(name: str) -> bool:
    return name.lower().endswith(PARQUET_SUFFIX)


def importable_namespace(location: ImportLocation, obj: StoredObject) -> str | None:
    """The namespace ``obj`` would be imported into, or ``None`` if Pinecone would not import it.

    The rule :func:`classify_listing` files objects by, for one object alone: pre-flight uses it to
    start reading a footer while the rest of the listing is still being fetched.
    """
    relative = location.relative(obj.key)
    namespace, slash, rest = relative.partition("/")
    if not slash or not rest or "/" in rest or not _is_parquet(rest):
        return None
    return namespace


def uri_problems(location: ImportLocation) -> list[Problem]:
    """Problems visible in the URI alone, found before any request is made."""
    problems = []
    path = location.prefix.rstrip("/")
    if _is_parquet(path.rpartition("/")[2]):
        # <import dir>/<namespace>/<file>.parquet: the import directory is two levels up.
        import_dir = path.rsplit("/", 2)[0] if path.count("/") >= 2 else ""
        problems.append(
            error(
                "uri.is_file",
                f'"{path}": It looks like you specified a complete path to a parquet file as the URI prefix to '
                "import from. The URI must name the import directory, whose subfolders are the namespaces: "
                f"probably {location.url_of(import_dir)}.",
                location.uri,
            )
        )
    if location.cloud == "aws" and location.bucket.endswith(limits.EXPRESS_ONE_ZONE_SUFFIX):
        problems.append(
            error(
                "storage.express_one_zone",
                f"Bucket {location.bucket!r} is an S3 Express One Zone directory bucket, which Pinecone "
                "cannot import from. Copy the files to a general-purpose S3 bucket.",
                location.uri,
            )
        )
    return problems


def classify_listing(location: ImportLocation, objects: Iterable[StoredObject]) -> Layout:
    """Sort a listing into namespaces and flag what Pinecone would reject or ignore."""
    namespaces: dict[str, NamespaceFiles] = {}
    problems: list[Problem] = []
    listed = 0
    for obj in objects:
        listed += 1
        relative = location.relative(obj.key)
        if not relative or relative.endswith("/"):
            # A "folder" placeholder some tools create; it holds no data.
            if relative.count("/") == 1:
                namespaces.setdefault(relative[:-1], NamespaceFiles(relative[:-1]))
            continue
        namespace, slash, rest = relative.partition("/")
        url = location.url_of(obj.key)
        if not slash:
            if _is_parquet(relative):
                problems.append(
                    error(
                        "layout.no_namespace",
                        f'"{relative}": No namespace detected. Each file should be nested under a subdirectory '
                        "of the URI prefix, which names the namespace it is imported into: move it to "
                        f"{location.folder_url(DEFAULT_NAMESPACE) + relative} "
                        "for the default namespace, or into a folder named after the namespace.",
                        url,
                    )
                )
            else:
                problems.append(_non_parquet(url))
            continue
        files = namespaces.setdefault(namespace, NamespaceFiles(namespace))
        if "/" in rest:
            problems.append(
                warning(
                    "layout.nested_too_deep",
                    f"{url} is nested below the namespace folder {namespace!r}; Pinecone imports only the "
                    "Parquet files directly inside a namespace folder, so it will not be imported. Move it "
                    f"up into {location.folder_url(namespace)}.",
                    url,
                )
            )
        elif not _is_parquet(rest):
            problems.append(_non_parquet(url))
        else:
            files.files.append(obj)
            files.bytes += obj.size
            if obj.size > limits.MAX_FILE_BYTES:
                problems.append(
                    error(
                        "limits.file_size",
                        f"{url} is {limits.human_bytes(obj.size)}; Pinecone imports files of at most "
                        f"{limits.human_bytes(limits.MAX_FILE_BYTES)}. Split it into smaller Parquet files.",
                        url,
                    )
                )
    layout = Layout(namespaces=namespaces, problems=problems, objects_listed=listed)
    problems.extend(_namespace_problems(location, layout))
    return layout


def _non_parquet(url: str) -> Problem:
    return warning(
        "layout.non_parquet_object",
        f"{url} is not a .parquet file and will be ignored by the import. Remove it if it was meant to hold records.",
        url,
    )


def _namespace_problems(location: ImportLocation, layout: Layout) -> list[Problem]:
    problems: list[Problem] = []
    total_files = 0
    for ns in layout.namespaces.values():
        total_files += len(ns.files)
        folder = location.folder_url(ns.name)
        if not ns.files:
            problems.append(
                error(
                    "layout.empty_namespace",
                    f"The namespace folder {folder} holds no Parquet files directly inside it, so the import "
                    "would fail with 'No Parquet files found'. Add its Parquet files, or remove the folder.",
                    folder,
                )
            )
        if ns.bytes > limits.MAX_NAMESPACE_BYTES:
            problems.append(
                error(
                    "limits.namespace_size",
                    f"Namespace {ns.name!r} holds {limits.human_bytes(ns.bytes)} of Parquet files; one import "
                    f"takes at most {limits.human_bytes(limits.MAX_NAMESPACE_BYTES)} per namespace. Split it "
                    "across several imports or namespaces.",
                    folder,
                )
            )
    if total_files == 0 and not any(p.code == "layout.no_namespace" for p in layout.problems):
        problems.append(
            error(
                "layout.no_parquet_files",
                f'No Parquet files found under "{location.uri}". Files must be stored under the URI prefix, '
                "one folder per namespace: <prefix>/<namespace>/<file>.parquet.",
                location.uri,
            )
        )
    if len(layout.namespaces) > limits.MAX_NAMESPACES:
        problems.append(
            error(
                "limits.namespaces",
                f"The import has {len(layout.namespaces):,} namespaces; Pinecone allows at most "
                f"{limits.MAX_NAMESPACES:,} per import. Split it into several imports.",
                location.uri,
            )
        )
    if total_files > limits.MAX_FILES:
        problems.append(
            error(
                "limits.files",
                f"The import has {total_files:,} Parquet files; Pinecone allows at most {limits.MAX_FILES:,} "
                "per import. Merge small files or split the import.",
                location.uri,
            )
        )
    return problems
