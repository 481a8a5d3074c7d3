"""The plugin's FastAPI app, mounted by the API server at ``/pinecone``.

Routes:

- ``GET /ti/{dag_id}/{run_id}/{task_id}/{map_index}`` and ``GET /imports``: the HTML shells of the
  task-instance tab and of the imports page. They hold no data, so they need no sign-in (Airflow
  3.1's UI loads them without a credential); their script fetches the JSON below.
- ``GET /api/ti/{dag_id}/{run_id}/{task_id}/{map_index}``: a task instance's Pinecone view, for a
  signed-in user who may read the DAG's task instances.
- ``GET /api/imports?conn_id=&index=&page=&page_size=``: the imports of the Pinecone connections, as
  far as the signed-in user may see them (see :func:`.views.imports_view`).
"""

from __future__ import annotations

from typing import Annotated, Any

from airflow.api_fastapi.core_api.security import GetUserDep
from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import HTMLResponse, JSONResponse

from airflow_provider_pinecone.plugin import metadata, pages, views
from airflow_provider_pinecone.plugin.access import Visibility, require_task_instances
from airflow_provider_pinecone.plugin.live import LiveData
from airflow_provider_pinecone.plugin.metadata import TaskRef

_NO_STORE = {"Cache-Control": "no-store"}


def _map_index(value: str) -> int:
    # An unmapped task's tab URL keeps the literal "{MAP_INDEX}" placeholder (the UI fills it only
    # for mapped tasks).
    if value in ("{MAP_INDEX}", "", "-1"):
        return -1
    try:
        index = int(value)
    except ValueError:
        raise HTTPException(status_code=404, detail="Not found") from None
    if index < -1:
        raise HTTPException(status_code=404, detail="Not found")
    return index


def create_app(live: LiveData | None = None) -> FastAPI:
    """Build the app; ``live`` holds the Pinecone clients and caches (one per app, shared by all requests)."""
    app = FastAPI(title="Pinecone", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.live = live = live or LiveData()
    owners = views.ImportOwners()

    @app.get("/ti/{dag_id}/{run_id}/{task_id}/{map_index}", response_class=HTMLResponse, include_in_schema=False)
    def ti_page(dag_id: str, run_id: str, task_id: str, map_index: str) -> HTMLResponse:
        return HTMLResponse(pages.TI_PAGE, headers=pages.TI_HEADERS)

    @app.get("/imports", response_class=HTMLResponse, include_in_schema=False)
    def imports_page() -> HTMLResponse:
        return HTMLResponse(pages.IMPORTS_PAGE, headers=pages.IMPORTS_HEADERS)

    @app.get("/api/ti/{dag_id}/{run_id}/{task_id}/{map_index}")
    def ti_json(dag_id: str, run_id: str, task_id: str, map_index: str, user: GetUserDep) -> JSONResponse:
        # Authorisation first: whether a task instance exists is the DAG's business too.
        require_task_instances(user, dag_id)
        info = metadata.task_instance(TaskRef(dag_id, run_id, task_id, _map_index(map_index)))
        if info is None:
            raise HTTPException(status_code=404, detail="No such task instance")
        return JSONResponse(views.ti_view(info, live, owners), headers=_NO_STORE)

    @app.get("/api/imports")
    def imports_json(
        user: GetUserDep,
        conn_id: Annotated[str | None, Query(max_length=250)] = None,
        index: Annotated[str | None, Query(max_length=250)] = None,
        page: Annotated[int, Query(ge=1, le=10_000)] = 1,
        page_size: Annotated[int, Query(ge=1, le=views.MAX_PAGE_SIZE)] = 25,
    ) -> JSONResponse:
        try:
            body: dict[str, Any] = views.imports_view(
                Visibility(user), live, conn_id=conn_id or None, index=index or None, page=page, page_size=page_size
            )
        except KeyError:
            # Only configured Pinecone connections can be chosen; anything else is not looked up.
            raise HTTPException(status_code=404, detail="No such Pinecone connection") from None
        return JSONResponse(body, headers=_NO_STORE)

    return app
