"""Upsert request bodies: records encoded once to JSON fragments, packed into bodies under Pinecone's limits.

A record is encoded to its ``Vector`` JSON once (:func:`encode_record`); a batch body is those
fragments joined, never decoded or re-encoded. :class:`UpsertBatcher` knows the exact length of
the body it will build before building it, so a batch is as full as the limits allow and never
one byte over::

    b'{"vectors":[' + b",".join(fragments) + b'],"namespace":' + orjson.dumps(namespace) + b"}"

Encoding is the client's main CPU cost on a large upsert (a 768-dimension float32 vector is about
8 KB of JSON), hence orjson with numpy arrays serialized natively and metadata that is already JSON
embedded verbatim.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from airflow_provider_pinecone.client.errors import PineconeValidationError
from airflow_provider_pinecone.client.limits import MAX_UPSERT_BYTES, MAX_UPSERT_RECORDS
from airflow_provider_pinecone.client.models import DEFAULT_NAMESPACE

_OPTIONS = orjson.OPT_SERIALIZE_NUMPY
_BODY_START = b'{"vectors":['
_NAMESPACE_KEY = b'],"namespace":'


class RecordTooLarge(PineconeValidationError):
    """One record's JSON alone makes an upsert body larger than the limit."""


def _array_fallback(obj: Any) -> Any:
    """orjson's ``default``: what it cannot serialize natively, as something it can."""
    flags = getattr(obj, "flags", None)
    if flags is not None and not flags.c_contiguous:
        # A strided numpy view (a column slice, say): a contiguous copy keeps float32 as float32,
        # where tolist() would print every value with float64 digits.
        return obj.copy(order="C")
    tolist = getattr(obj, "tolist", None)
    if tolist is not None:  # numpy dtypes orjson does not take natively (float16, object)
        return tolist()
    raise TypeError(f"{type(obj).__name__} is not JSON serializable")


def _metadata(metadata: Any) -> Any:
    if not isinstance(metadata, (str, bytes)):
        return metadata
    # Embedded verbatim, unparsed: only the first character is checked, because a fragment that
    # is empty or not an object would corrupt the body of every record batched with it.
    start = metadata[:1] if metadata[:1] in ("{", b"{") else metadata.lstrip()[:1]
    if start not in ("{", b"{"):
        raise PineconeValidationError(
            f"Record metadata given as JSON text must be a JSON object ({{...}}); got {metadata[:40]!r}."
        )
    return orjson.Fragment(metadata)


def encode_record(
    record_id: str,
    values: Any = None,
    sparse_values: Mapping[str, Any] | None = None,
    metadata: Mapping[str, Any] | str | bytes | None = None,
) -> bytes:
    """One upsert ``Vector`` as compact JSON bytes.

    Values are not checked (a NaN becomes ``null``, which Pinecone refuses): check records first,
    as the upsert task does.

    :param record_id: the record's id.
    :param values: the dense vector: a sequence of floats or a 1-D numpy array (float32 stays
        float32 on the wire: its shortest round-trip digits); ``None`` for a sparse-only record.
    :param sparse_values: ``{"indices": [...], "values": [...]}`` (lists or numpy arrays).
    :param metadata: a dict, or a JSON object already serialized as ``str``/``bytes`` (embedded
        as it is, not parsed again), or ``None``.
    """
    if not isinstance(record_id, str):
        raise PineconeValidationError(f"A record id must be a string, got {type(record_id).__name__}: {record_id!r}.")
    vector: dict[str, Any] = {"id": record_id}
    if values is not None:
        vector["values"] = values
    if sparse_values is not None:
        try:
            vector["sparseValues"] = {"indices": sparse_values["indices"], "values": sparse_values["values"]}
        except (KeyError, TypeError):
            raise PineconeValidationError(
                f"Record {record_id!r}: sparse values must be a mapping with 'indices' and 'values'."
            ) from None
    if metadata is not None:
        vector["metadata"] = _metadata(metadata)
    return dump_vector(vector)


def dump_vector(vector: dict[str, Any]) -> bytes:
    """A ``Vector`` already in its wire shape (``id``, ``values``, ``sparseValues``, ``metadata`` as
    an ``orjson.Fragment`` of JSON text or a dict) as compact JSON bytes, numpy arrays natively
    (float32 keeps its shortest float32 digits). :func:`encode_record` checks the fields first; a
    caller that proved them for a whole table calls this directly.
    """
    try:
        return orjson.dumps(vector, default=_array_fallback, option=_OPTIONS)
    except orjson.JSONEncodeError as exc:
        raise PineconeValidationError(f"Record {vector.get('id')!r} cannot be encoded as JSON: {exc}") from None


def encode_mapping(record: Mapping[str, Any]) -> bytes:
    """:func:`encode_record` for a dict with keys ``id``, ``values``, ``sparse_values`` (or
    ``sparseValues``) and ``metadata`` (all but ``id`` optional)."""
    try:
        record_id = record["id"]
    except (KeyError, TypeError):
        raise PineconeValidationError(
            f"A record must be a mapping with an 'id', got {type(record).__name__}: {str(record)[:80]}"
        ) from None
    sparse = record.get("sparse_values")
    return encode_record(
        record_id,
        record.get("values"),
        sparse if sparse is not None else record.get("sparseValues"),
        record.get("metadata"),
    )


def wire_namespace(namespace: str) -> str:
    """The namespace as the upsert API names it: the default namespace is ``""`` on the wire."""
    return "" if namespace == DEFAULT_NAMESPACE else namespace


@dataclass(frozen=True)
class UpsertBatch:
    """One upsert request body, ready to send.

    :param namespace: the namespace as the batcher was given it (``__default__`` or ``""`` for the
        default one); the body holds its wire form.
    :param body: the request body.
    :param count: how many records the body holds.
    :param tag: opaque to the client: whatever the caller attached to the batch's last record
        (the upsert task puts a resume checkpoint there).
    """

    namespace: str
    body: bytes
    count: int
    tag: Any = None


class UpsertBatcher:
    """Packs encoded records into upsert bodies of at most ``max_records`` records and ``max_bytes`` bytes.

    :meth:`add` returns a full batch only when the next record does not fit in it, so every batch
    but the last is as large as the limits allow; :meth:`flush` returns the rest.
    """

    def __init__(
        self, namespace: str, *, max_records: int = MAX_UPSERT_RECORDS, max_bytes: int = MAX_UPSERT_BYTES
    ) -> None:
        self.namespace = namespace
        self._end = _NAMESPACE_KEY + orjson.dumps(wire_namespace(namespace)) + b"}"
        # The body's length without any fragment and separator.
        self._overhead = len(_BODY_START) + len(self._end)
        if max_records < 1:
            raise ValueError(f"max_records must be at least 1, got {max_records}")
        if max_bytes <= self._overhead:
            raise ValueError(f"max_bytes must exceed the {self._overhead} bytes of an empty body, got {max_bytes}")
        self.max_records = max_records
        self.max_bytes = max_bytes
        self._fragments: list[bytes] = []
        self._size = 0  # the body's exact length while it holds fragments
        self._tag: Any = None

    @property
    def pending(self) -> int:
        """Records added and not yet returned in a batch."""
        return len(self._fragments)

    @property
    def pending_bytes(self) -> int:
        """The exact length of the body :meth:`flush` would return now (0 when nothing is pending)."""
        return self._size

    def add(self, fragment: bytes, tag: Any = None) -> UpsertBatch | None:
        """Add one encoded record; return the pending batch if ``fragment`` does not fit in it.

        ``tag`` becomes the tag of the batch that ends with this record.
        """
        if self._fragments:
            size = self._size + 1 + len(fragment)  # +1: the comma before it
            if size > self.max_bytes or len(self._fragments) >= self.max_records:
                full = self._take()
                self._start(fragment, tag)
                return full
            self._fragments.append(fragment)
            self._size = size
            self._tag = tag
            return None
        self._start(fragment, tag)
        return None

    def flush(self, tag: Any = None) -> UpsertBatch | None:
        """The pending records as a batch (tagged ``tag`` if given), or ``None`` when there are none."""
        if not self._fragments:
            return None
        if tag is not None:
            self._tag = tag
        return self._take()

    def _start(self, fragment: bytes, tag: Any) -> None:
        size = self._overhead + len(fragment)
        if size > self.max_bytes:
            raise RecordTooLarge(
                f"Record {_record_id(fragment)} is {len(fragment):,} bytes of JSON, a {size:,}-byte upsert "
                f"request on its own; the limit is {self.max_bytes:,} bytes per request. Shrink its "
                "metadata (or its values) and retry."
            )
        self._fragments = [fragment]
        self._size = size
        self._tag = tag

    def _take(self) -> UpsertBatch:
        fragments = self._fragments
        # One copy of the body: the start and end go onto the first and last fragments (copying a
        # record's worth each), not around the joined 2 MB.
        fragments[0] = _BODY_START + fragments[0]
        fragments[-1] = fragments[-1] + self._end
        body = b",".join(fragments)
        batch = UpsertBatch(self.namespace, body, len(fragments), self._tag)
        self._fragments = []
        self._size = 0
        self._tag = None
        return batch


def _record_id(fragment: bytes) -> str:
    """The id in a fragment, for an error message (the error path only: it parses the fragment)."""
    try:
        return repr(orjson.loads(fragment)["id"])
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return repr(fragment[:60])


def batches(
    fragments: Iterable[bytes],
    namespace: str,
    *,
    max_records: int = MAX_UPSERT_RECORDS,
    max_bytes: int = MAX_UPSERT_BYTES,
) -> Iterator[UpsertBatch]:
    """Every batch of ``fragments`` for ``namespace``, in order (a convenience over :class:`UpsertBatcher`)."""
    batcher = UpsertBatcher(namespace, max_records=max_records, max_bytes=max_bytes)
    for fragment in fragments:
        full = batcher.add(fragment)
        if full is not None:
            yield full
    last = batcher.flush()
    if last is not None:
        yield last
