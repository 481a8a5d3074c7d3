"""The deployment's auth manager: Airflow's simple auth manager, plus one user kept out of some DAGs.

The simple auth manager lets every role read every DAG, so "a user without access to a DAG" needs a
rule of its own. :class:`RestrictedSimpleAuthManager` denies the user ``outsider``
(:data:`~tests.deployment.harness.OUTSIDER_USER`, role ``op``) every DAG whose id starts with
``deploy_ui_secret``; every other question (and every other user, such as the admin the scenarios
use) is answered by the simple auth manager unchanged. Airflow's DAG lists and the Pinecone plugin
both go through :meth:`is_authorized_dag` (``get_authorized_dag_ids`` and
``filter_authorized_dag_ids`` are built on it), so they agree on what the outsider may see.

Set by the harness through ``[core] auth_manager``; every component can import it because the
harness puts the repository on ``PYTHONPATH``.
"""

from __future__ import annotations

from typing import Any

from airflow.api_fastapi.auth.managers.simple.simple_auth_manager import SimpleAuthManager

from tests.deployment.harness import OUTSIDER_USER, SECRET_DAG_PREFIX


class RestrictedSimpleAuthManager(SimpleAuthManager):
    """:class:`SimpleAuthManager` that keeps the outsider out of the DAGs named ``deploy_ui_secret*``."""

    def is_authorized_dag(self, *, method: Any, user: Any, access_entity: Any = None, details: Any = None) -> bool:
        dag_id = getattr(details, "id", None) or ""
        if user.get_name() == OUTSIDER_USER and dag_id.startswith(SECRET_DAG_PREFIX):
            return False
        return super().is_authorized_dag(method=method, user=user, access_entity=access_entity, details=details)
