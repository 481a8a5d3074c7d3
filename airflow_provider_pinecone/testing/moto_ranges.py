"""Ranged GETs for moto's S3 in time proportional to the range, not to the object.

Why: moto (written against moto 5.2.5) answers ``GET`` of an object with ``FakeKey.value``, which
reads the WHOLE object out of its ``SpooledTemporaryFile`` (objects over ~5 MiB roll over to a file
on disk) into a new ``bytes``, and only then does ``S3Response._handle_range_header`` slice the
range out of it. An 8 MiB range of a 300 MiB object therefore costs a 300 MiB read and copy. Our
upsert and pre-flight code stream Parquet with many ranged GETs, as they should against real S3, so
with large files the tests and benchmarks measured moto instead of our client.

The fix, applied by :func:`install` in the S3 server process (see ``object_stores._s3_server``):

- while ``S3Response.get_object`` serves a request that has a ``Range`` header, ``FakeKey.value``
  returns an :class:`_ObjectBytes` view instead of the bytes: its ``len()`` is the object's size and
  slicing it reads only that slice from the key's buffer, under the key's lock as moto's own getter;
- moto's unchanged ``_handle_range_header`` then computes the status (206), ``Content-Range`` and
  ``Content-Length`` as before and slices the view, reading just the range;
- whenever moto hands the view back unsliced (a range it serves whole: several ranges, an
  unparsable one, ``partNumber``), ``S3Response.key_response`` turns it back into the bytes.

So every response keeps moto's bytes, status and headers; full GETs do not go through the view at
all. A moto whose ``FakeKey.value`` is no property, or whose ``S3Response`` lacks ``get_object`` or
``key_response``, is left unpatched with a :class:`RuntimeWarning` (ranged GETs then stay correct,
only slow), and so is a key without the ``_value_buffer`` and ``lock`` attributes read here.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import threading
import warnings
from collections.abc import Callable, Iterator
from typing import Any

#: The moto release this patch was written against and tested with.
MOTO_VERSION_WRITTEN_AGAINST = "5.2.5"

# True while the current thread runs S3Response.get_object for a request with a Range header.
_lazy_value = contextvars.ContextVar("moto_ranges_lazy_value", default=False)
_installed: dict[str, Any] = {}  # the original attributes, while installed
_install_lock = threading.Lock()
_reads = 0
_reads_lock = threading.Lock()


def ranged_reads() -> int:
    """How many ranges this process served by reading only the range from an object's buffer."""
    return _reads


def installed() -> bool:
    """Whether the patch is in place in this process."""
    return bool(_installed)


class _ObjectBytes:
    """The content of a moto ``FakeKey``, read on demand: slicing reads only the slice."""

    def __init__(self, key: Any) -> None:
        self._key = key
        self._size: int = key.size

    def __len__(self) -> int:
        return self._size

    def __bool__(self) -> bool:
        return self._size > 0

    def __getitem__(self, item: slice | int) -> bytes | int:
        if not isinstance(item, slice) or item.step not in (None, 1):
            return bytes(self)[item]
        start, stop, _ = item.indices(self._size)
        with self._key.lock:
            buffer = self._key._value_buffer
            buffer.seek(start)
            data: bytes = buffer.read(max(0, stop - start))
        global _reads
        with _reads_lock:
            _reads += 1
        return data

    def __bytes__(self) -> bytes:
        value: bytes = _installed["value"].fget(self._key)
        return value


def _has_buffer(key: Any) -> bool:
    return hasattr(key, "_value_buffer") and hasattr(key, "lock") and isinstance(getattr(key, "size", None), int)


def _patch_targets() -> tuple[Any, Any] | None:
    """moto's ``FakeKey`` and ``S3Response`` if they have what the patch wraps, else None."""
    try:
        from moto.s3.models import FakeKey
        from moto.s3.responses import S3Response
    except ImportError:
        return None
    if not isinstance(FakeKey.__dict__.get("value"), property):
        return None
    if not all(callable(getattr(S3Response, name, None)) for name in ("get_object", "key_response")):
        return None
    return FakeKey, S3Response


@contextlib.contextmanager
def _lazy_values() -> Iterator[None]:
    token = _lazy_value.set(True)
    try:
        yield
    finally:
        _lazy_value.reset(token)


def install() -> bool:
    """Patch moto's S3 in this process (idempotent); False, with a warning, if this moto cannot be."""
    with _install_lock:
        if _installed:
            return True
        targets = _patch_targets()
        if targets is None:
            import moto

            warnings.warn(
                f"moto {getattr(moto, '__version__', '?')} lacks FakeKey.value, S3Response.get_object or "
                f"S3Response.key_response as in moto {MOTO_VERSION_WRITTEN_AGAINST}: its S3 server is left "
                "unpatched, and a ranged GET reads the whole object (correct, but slow for large objects).",
                RuntimeWarning,
                stacklevel=2,
            )
            return False
        fake_key, s3_response = targets
        value: property = fake_key.__dict__["value"]
        get_object: Callable[..., Any] = s3_response.get_object
        key_response: Callable[..., Any] = s3_response.key_response

        def lazy_value(key: Any) -> Any:
            if _lazy_value.get() and _has_buffer(key):
                return _ObjectBytes(key)
            return value.fget(key)  # type: ignore[misc]

        @functools.wraps(get_object)
        def ranged_get_object(self: Any, *args: Any, **kwargs: Any) -> Any:
            if not self.headers.get("range"):
                return get_object(self, *args, **kwargs)
            with _lazy_values():
                return get_object(self, *args, **kwargs)

        @functools.wraps(key_response)
        def materializing_key_response(self: Any, *args: Any, **kwargs: Any) -> Any:
            response = key_response(self, *args, **kwargs)
            if isinstance(response, tuple) and len(response) == 3 and isinstance(response[2], _ObjectBytes):
                status, headers, content = response
                return status, headers, bytes(content)
            return response

        # What to put back: the class's own attributes (None: inherited, so delete ours).
        _installed.update(
            targets=targets,
            value=value,
            own={name: s3_response.__dict__.get(name) for name in ("get_object", "key_response")},
        )
        fake_key.value = property(lazy_value, value.fset, value.fdel, value.__doc__)
        s3_response.get_object = ranged_get_object
        s3_response.key_response = materializing_key_response
        return True


def uninstall() -> None:
    """Put moto's original attributes back (no-op when not installed)."""
    with _install_lock:
        if not _installed:
            return
        fake_key, s3_response = _installed["targets"]
        fake_key.value = _installed["value"]
        for name, original in _installed["own"].items():
            if original is None:
                delattr(s3_response, name)
            else:
                setattr(s3_response, name, original)
        _installed.clear()
