"""The requests Airflow 3.3's UI makes for a connection, rebuilt from its compiled code.

Read from ``airflow/ui/dist/assets/index-*.js`` of apache-airflow 3.3.2 (the React source is not
shipped):

* **Add** (``useAddConnection``) posts the form to ``POST /api/v2/connections``; each empty field is
  sent as ``undefined`` (so it is left out of the JSON), ``port`` as ``Number(port)``, and an Extra
  of ``{}`` is left out.
* **Test** (``TestConnectionButton``) exists only in the connection list, and posts the *list row*
  (``GET /api/v2/connections``) to ``POST /api/v2/connections/test``::

      {conn_type, connection_id, description: d ?? "", extra: (e === "" || e === null) ? "{}" : e,
       host: h ?? "", login: l ?? "", password: p ?? "", port: Number(port), schema: s ?? ""}

  ``Number(null)`` is ``0``. So a connection saved without a port is tested with ``port: 0``, and the
  API (``routes/public/connections.py``, ``test_connection``) compares that with the stored ``NULL``:
  its ``_same_endpoint`` treats ``""`` and ``None`` as equal but not ``0``, so it answers 400 "The host
  or port to test differs from the stored connection. Include the credentials to test in the request
  body." (the row's password is the mask ``***``, which does not count as credentials). A saved
  port is sent back as itself, and the test runs.
"""

from __future__ import annotations

from typing import Any


def request_of_add_form(form: dict[str, str]) -> dict[str, Any]:
    """What the Add form posts for ``form`` (every field a string, as the inputs hold them)."""
    body: dict[str, Any] = {"conn_type": form["conn_type"], "connection_id": form["connection_id"]}
    for name in ("description", "host", "login", "password", "schema", "team_name"):
        if form.get(name, "") != "":
            body[name] = form[name]
    if form.get("port", "") != "":
        body["port"] = int(form["port"])
    if form.get("extra", "{}") != "{}":
        body["extra"] = form["extra"]
    return body


def _js_number(value: Any) -> int:
    """JavaScript's ``Number()`` for what the list row's ``port`` can be (``null`` or an integer)."""
    return 0 if value is None else int(value)


def request_of_test_button(row: dict[str, Any]) -> dict[str, Any]:
    """What the Test button posts for a row of ``GET /api/v2/connections``."""
    return {
        "conn_type": row["conn_type"],
        "connection_id": row["connection_id"],
        "description": row.get("description") if row.get("description") is not None else "",
        "extra": "{}" if row.get("extra") in ("", None) else row["extra"],
        "host": row.get("host") if row.get("host") is not None else "",
        "login": row.get("login") if row.get("login") is not None else "",
        "password": row.get("password") if row.get("password") is not None else "",
        "port": _js_number(row.get("port")),
        "schema": row.get("schema") if row.get("schema") is not None else "",
    }
