"""Apache Airflow provider for Pinecone bulk imports."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def get_provider_info() -> dict[str, Any]:
    """Describe this provider to Airflow (entry point ``apache_airflow_provider``)."""
    from airflow_provider_pinecone.provider_info import PROVIDER_INFO

    return PROVIDER_INFO
