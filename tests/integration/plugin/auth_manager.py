"""An auth manager for the plugin's tests: Airflow's simple one, with a user who may not see everything.

``outsider`` (a viewer) may read no DAG whose id starts with ``secret_`` and no connection; everyone
else is as the simple auth manager says. Used through ``[core] auth_manager``.
"""

from __future__ import annotations

from typing import Any

from airflow.api_fastapi.auth.managers.simple.simple_auth_manager import SimpleAuthManager

OUTSIDER = "outsider"


class RestrictedSimpleAuthManager(SimpleAuthManager):
    """SimpleAuthManager that hides ``secret_`` DAGs and all connections from :data:`OUTSIDER`."""

    def is_authorized_dag(self, *, method: Any, user: Any, access_entity: Any = None, details: Any = None) -> bool:
        if user.get_name() == OUTSIDER and details is not None and (details.id or "").startswith("secret_"):
            return False
        return super().is_authorized_dag(method=method, user=user, access_entity=access_entity, details=details)

    def is_authorized_connection(self, *, method: Any, user: Any, details: Any = None) -> bool:
        if user.get_name() == OUTSIDER:
            return False
        return super().is_authorized_connection(method=method, user=user, details=details)
