"""An Airflow connection turned into client settings, with errors that say which field to fix.

Two connection types are read:

``pinecone_bulk`` (this provider's form, "Pinecone (bulk import)")
    *Password* is the API key, *Host* (and *Port*) the index's data-plane host; the Extra holds
    ``index_name``, ``api_version``, ``control_plane_url``, ``allow_insecure``, ``timeout``,
    ``max_attempts``, ``max_retry_seconds``, ``organization_id`` and ``project_id``.

``pinecone`` (apache-airflow-providers-pinecone's form)
    *Password* is the API key and *Host* ("Pinecone Host") the **control plane** host, which the
    official SDK talks to; it is never taken for an index host. The index comes from the task
    (``index_name``/``index_host``) or from an ``index_name`` extra. *Login* (the environment)
    and the extras ``region``, ``debug_curl`` and ``environment`` mean nothing to bulk imports and
    are ignored; ``project_id`` only builds console links. The other extras above are honoured when
    present (a connection defined as JSON can carry them).

The client (:mod:`airflow_provider_pinecone.client`) says what is wrong with a value and knows nothing
of Airflow; this module adds where it came from and how to fix it in Airflow: in the messages it
raises while reading the connection, and, through ``ClientConfig.setting_sources``, in the client's
later errors (a rejected API key names the Password field, an unreachable host the field it came
from). No message shows the API key or the Extra.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from airflow_provider_pinecone.client import (
    DEFAULT_API_VERSION,
    DEFAULT_CONTROL_PLANE_URL,
    DEFAULT_TIMEOUT,
    ClientConfig,
    PineconeConfigurationError,
    RetryPolicy,
)
from airflow_provider_pinecone.client.config import base_url
from airflow_provider_pinecone.connection_extras import (
    connection_extra,
    parse_extra_object,
    parse_flag,
    parse_positive_number,
)
from airflow_provider_pinecone.provider_info import CONNECTION_TYPE, HOOK_NAME, OFFICIAL_CONNECTION_TYPE

# Airflow's redaction of a secret: what the connection list's Test button sends as the password.
MASKED_SECRET = "***"
_CONTROL_PLANE_EXAMPLE = "api.pinecone.io"
_INDEX_HOST_EXAMPLE = "my-index-abc123.svc.aped-4627-b74a.pinecone.io"


def fix_hint(conn_id: str) -> str:
    """Where a user fixes connection ``conn_id``."""
    return (
        f"Fix it in the Airflow connection {conn_id!r} (Admin > Connections, or the environment variable "
        f"AIRFLOW_CONN_{conn_id.upper()} if it is defined there)."
    )


def is_official_type(conn: Any) -> bool:
    """Whether ``conn`` is of apache-airflow-providers-pinecone's type ``pinecone``."""
    return (getattr(conn, "conn_type", None) or "").strip().lower() == OFFICIAL_CONNECTION_TYPE


def _conn_type(conn: Any) -> str:
    return (getattr(conn, "conn_type", None) or "").strip().lower() or CONNECTION_TYPE


def extras_of(conn: Any, conn_id: str) -> dict[str, Any]:
    """The connection's Extra as a dict; Extra that is not a JSON object is a configuration error.

    Airflow's ``extra_dejson`` would return ``{}`` for text that is not JSON (so every setting,
    the control plane URL included, would silently fall back to its default: the real Pinecone)
    and a list or number as it is.
    """
    try:
        parse_extra_object(getattr(conn, "extra", None))
    except ValueError as exc:
        raise PineconeConfigurationError(
            f"The Extra of the Pinecone connection {conn_id!r} {exc}; it must be a JSON object such as "
            f'{{"index_name": "my-index", "api_version": "2025-10"}} (or empty). Nothing was sent to Pinecone. '
            + fix_hint(conn_id)
        ) from None
    # Airflow's own parse (the same JSON), which also registers sensitive extras with the log masker.
    return dict(conn.extra_dejson or {})


def extra(conn: Any, extras: dict[str, Any], name: str) -> Any:
    """Extra ``name`` of ``conn``, also in its ``extra__<type>__<name>`` form; ``None`` if unset or empty."""
    return connection_extra(extras, name, _conn_type(conn))


def _text(conn: Any, extras: dict[str, Any], name: str, conn_id: str) -> str | None:
    value = extra(conn, extras, name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise PineconeConfigurationError(
            f"The Pinecone connection's extra {name!r} is {value!r} ({type(value).__name__}); it must be text. "
            + fix_hint(conn_id)
        )
    return value.strip() or None


def _number(conn: Any, extras: dict[str, Any], name: str, conn_id: str, *, whole: bool, default: float) -> Any:
    value = extra(conn, extras, name)
    if value is None:
        return default
    number = parse_positive_number(value, whole=whole)
    if number is None:
        shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:60] + "..."
        kind = "whole number" if whole else "number"
        raise PineconeConfigurationError(
            f"The Pinecone connection's extra {name!r} is {shown}; it must be a positive, finite {kind} "
            f"(e.g. {default:g}, the default; remove it to use the default). " + fix_hint(conn_id)
        )
    return number


def _flag(conn: Any, extras: dict[str, Any], name: str, conn_id: str) -> bool:
    value = extra(conn, extras, name)
    flag = parse_flag(value)
    if flag is None:
        raise PineconeConfigurationError(
            f"The Pinecone connection's extra {name!r} is {value!r}; it must be true or false. " + fix_hint(conn_id)
        )
    return flag


def _with_port(host: str, port: int | None, conn_id: str) -> str:
    """``host`` with the connection's Port added; a Host naming another port is an error."""
    if not port:  # None, or 0 (what Airflow 3.1's Test button sends for an empty Port)
        return host
    has_scheme = "://" in host
    try:
        parts = urlsplit(host if has_scheme else f"//{host}")
        own_port = parts.port
    except ValueError:
        return host  # malformed: the URL check names the problem
    if own_port is None:
        with_port = urlunsplit(parts._replace(netloc=f"{parts.netloc}:{port}"))
        return with_port if has_scheme else with_port.removeprefix("//")
    if own_port != port:
        raise PineconeConfigurationError(
            f"The Pinecone connection's Host {host!r} names port {own_port} but its Port field says {port}; "
            f"make them agree or clear one of them. " + fix_hint(conn_id)
        )
    return host


def _extra_field(name: str, conn_id: str) -> str:
    return f"the {name!r} extra of Airflow connection {conn_id!r}"


def _checked(url: str, *, allow_insecure: bool, what: str, example: str, field: str, conn_id: str) -> str:
    """``url`` if the client accepts it; otherwise the client's reason, the field it came from and the fix."""
    try:
        base_url(
            url, allow_insecure=allow_insecure, what=what, example=example,
            allow_insecure_source=_extra_field("allow_insecure", conn_id),
        )  # fmt: skip
    except PineconeConfigurationError as exc:
        raise PineconeConfigurationError(f"{exc} It comes from {field}. {fix_hint(conn_id)}") from None
    return url


def looks_like_index_host(host: str) -> bool:
    """Whether ``host`` is shaped like a Pinecone index host (``NAME-ID.svc.ENV.pinecone.io``)."""
    try:
        hostname = urlsplit(host if "://" in host else f"//{host}").hostname or ""
    except ValueError:
        return False
    return ".svc." in f".{hostname}."


def _official_control_plane(conn: Any, conn_id: str, from_extra: str | None, allow_insecure: bool) -> str:
    """The control plane URL of an official-type connection: its Host, else the extra, else Pinecone's."""
    extra_field = f"the 'control_plane_url' extra of connection {conn_id!r}"
    host = (conn.host or "").strip()
    if not host:
        return _checked(
            from_extra or DEFAULT_CONTROL_PLANE_URL, allow_insecure=allow_insecure, what="control plane URL",
            example=_CONTROL_PLANE_EXAMPLE, field=extra_field, conn_id=conn_id,
        )  # fmt: skip
    if looks_like_index_host(host):
        raise PineconeConfigurationError(
            f"The Pinecone connection {conn_id!r} is of type 'pinecone' (the official Pinecone provider's), "
            f"whose Host is the control plane host, but its Host {host!r} is an index host. Either change the "
            f"connection's type to {HOOK_NAME!r} ({CONNECTION_TYPE}), whose Host is the index host, or clear "
            "Host and give the index to the task (index_name or index_host) or as the 'index_name' extra. "
            + fix_hint(conn_id)
        )
    field = f"the Host field (Pinecone Host) of connection {conn_id!r}, of type 'pinecone'"
    url = _checked(
        _with_port(host, conn.port, conn_id), allow_insecure=allow_insecure, what="control plane URL",
        example=_CONTROL_PLANE_EXAMPLE, field=field, conn_id=conn_id,
    )  # fmt: skip
    if from_extra:
        checked = _checked(
            from_extra, allow_insecure=allow_insecure, what="control plane URL", example=_CONTROL_PLANE_EXAMPLE,
            field=extra_field, conn_id=conn_id,
        )  # fmt: skip
        same = base_url(url, allow_insecure=True, what="", example="") == base_url(
            checked, allow_insecure=True, what="", example=""
        )
        if not same:
            raise PineconeConfigurationError(
                f"The Pinecone connection {conn_id!r} names two control planes: Host {url!r} and the "
                f"'control_plane_url' extra {checked!r}. Keep one of them. " + fix_hint(conn_id)
            )
    return url


def client_config(
    conn: Any,
    conn_id: str,
    *,
    index_name: str | None = None,
    index_host: str | None = None,
    retry: RetryPolicy | None = None,
) -> ClientConfig:
    """The client settings of connection ``conn`` (id ``conn_id``), for the task's index.

    :param index_name: the task's index name; overrides the ``index_name`` extra.
    :param index_host: the task's index host; overrides the connection's Host (``pinecone_bulk``).
    :param retry: overrides the retry policy built from the extras.
    """
    extras = extras_of(conn, conn_id)
    api_key = conn.password
    if not api_key or not str(api_key).strip():
        hint = ""
        if not (getattr(conn, "conn_type", None) or "").strip():
            hint = (
                f" Its type is empty too: written as a URI, the connection must start with "
                f"'{CONNECTION_TYPE.replace('_', '-')}://' (Airflow cannot read '_' in a URI scheme)."
            )
        raise PineconeConfigurationError(
            f"The Pinecone connection {conn_id!r} has no API key: put the key in its Password field.{hint} "
            + fix_hint(conn_id)
        )
    from airflow.sdk.log import mask_secret

    mask_secret(api_key)

    default_retry = RetryPolicy()
    max_attempts = _number(conn, extras, "max_attempts", conn_id, whole=True, default=default_retry.max_attempts)
    max_elapsed = _number(conn, extras, "max_retry_seconds", conn_id, whole=False, default=default_retry.max_elapsed)
    timeout = _number(conn, extras, "timeout", conn_id, whole=False, default=DEFAULT_TIMEOUT)
    allow_insecure = _flag(conn, extras, "allow_insecure", conn_id)
    api_version = _text(conn, extras, "api_version", conn_id) or DEFAULT_API_VERSION
    name = index_name or _text(conn, extras, "index_name", conn_id)
    from_extra = _text(conn, extras, "control_plane_url", conn_id)

    if is_official_type(conn):
        control_plane = _official_control_plane(conn, conn_id, from_extra, allow_insecure)
        control_plane_field = (
            f"the Host field (Pinecone Host) of Airflow connection {conn_id!r}"
            if (conn.host or "").strip()
            else _extra_field("control_plane_url", conn_id)
        )
        host = index_host or None
        host_field = "the task's index_host"
    else:
        control_plane_field = _extra_field("control_plane_url", conn_id)
        control_plane = _checked(
            from_extra or DEFAULT_CONTROL_PLANE_URL, allow_insecure=allow_insecure, what="control plane URL",
            example=_CONTROL_PLANE_EXAMPLE, field=f"the 'control_plane_url' extra of connection {conn_id!r}",
            conn_id=conn_id,
        )  # fmt: skip
        conn_host = (conn.host or "").strip()
        host = index_host or (_with_port(conn_host, conn.port, conn_id) if conn_host else None)
        host_field = "the task's index_host" if index_host else f"the Host field (Index host) of connection {conn_id!r}"
    if host:
        _checked(
            host, allow_insecure=allow_insecure, what="index host", example=_INDEX_HOST_EXAMPLE, field=host_field,
            conn_id=conn_id,
        )  # fmt: skip
    sources = {
        "api_key": f"the Password field of Airflow connection {conn_id!r}",
        "api_version": _extra_field("api_version", conn_id),
        "timeout": _extra_field("timeout", conn_id),
        "allow_insecure": _extra_field("allow_insecure", conn_id),
        "index_name": f"the task's index_name, or {_extra_field('index_name', conn_id)}",
        "control_plane_url": control_plane_field,
    }
    if host:
        sources["index_host"] = host_field
    try:
        return ClientConfig(
            setting_sources=sources,
            api_key=api_key,
            index_host=host,
            index_name=name,
            api_version=api_version,
            control_plane_url=control_plane,
            allow_insecure=allow_insecure,
            timeout=timeout,
            retry=retry or RetryPolicy(max_attempts=max_attempts, max_elapsed=max_elapsed),
        )
    except PineconeConfigurationError as exc:  # api_version, say: the client's message names the extra
        raise PineconeConfigurationError(f"{exc} {fix_hint(conn_id)}") from None


def console_ids(conn: Any, conn_id: str) -> tuple[str | None, str | None]:
    """The ``organization_id`` and ``project_id`` extras, for console links."""
    extras = extras_of(conn, conn_id)
    return extra(conn, extras, "organization_id"), extra(conn, extras, "project_id")
