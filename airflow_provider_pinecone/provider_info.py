"""What Airflow learns about this provider (``airflow providers list``, connection form, links).

Kept free of imports so that Airflow can read it without loading the hook or its dependencies.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_pinecone import __version__

# Our own type: apache-airflow-providers-pinecone registers "pinecone" (Host = the control plane
# host, no index host), and Airflow keeps one form and one hook per type. PineconeHook also reads
# connections of that type (see PineconeHook._config_from).
CONNECTION_TYPE = "pinecone_bulk"
HOOK_NAME = "Pinecone (bulk import)"
OFFICIAL_CONNECTION_TYPE = "pinecone"

# The Pinecone connection form: declared here for Airflow 3.2+, which renders forms from provider
# info without importing the hook; PineconeHook.get_connection_form_widgets serves older 3.x.
CONN_FIELDS: dict[str, dict[str, Any]] = {
    "index_name": {
        "label": "Index name",
        "description": "The index to import into. Its host is looked up through the control plane when Host is empty.",
        "schema": {"type": ["string", "null"]},
    },
    "api_version": {
        "label": "API version",
        "description": "The X-Pinecone-Api-Version to speak.",
        "schema": {"type": ["string", "null"], "enum": ["2025-10", "2026-07"], "default": "2025-10"},
    },
    "control_plane_url": {
        "label": "Control plane URL",
        "description": "Leave empty for https://api.pinecone.io.",
        "schema": {"type": ["string", "null"], "format": "url"},
    },
    "organization_id": {
        "label": "Organization id",
        "description": "Only used to build links to the Pinecone console.",
        "schema": {"type": ["string", "null"]},
    },
    "project_id": {
        "label": "Project id",
        "description": "Only used to build links to the Pinecone console.",
        "schema": {"type": ["string", "null"]},
    },
    "allow_insecure": {
        "label": "Allow plain http:// to a non-loopback host",
        "description": "Sends the API key unencrypted. Only for trusted test networks.",
        "schema": {"type": ["boolean", "null"], "default": False},
    },
}

# Port stays visible: Airflow 3.3's Test button (in the connection list) sends port 0 for a
# connection saved without a port, and the API then refuses the test with 400 ("The host or port
# to test differs from the stored connection") before the hook runs. A saved Port avoids that.
UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden-fields": ["schema", "login"],
    "relabeling": {"host": "Index host", "password": "API key"},
    "placeholders": {
        "host": "my-index-abc123.svc.aped-4627-b74a.pinecone.io (optional if Index name is set)",
        "port": "443 (or the port in Index host); set it so that Test works in Airflow 3.3",
        "password": "pcsk_...",
        "extra": '{"index_name": "my-index", "api_version": "2025-10"}',
    },
}

PROVIDER_INFO: dict[str, Any] = {
    "package-name": "airflow-provider-pinecone",
    "name": "Pinecone bulk import",
    "description": "Load vectors into Pinecone at scale: bulk imports from S3, GCS and Azure Blob, "
    "deferrable waiting, pre-flight checks, resumable concurrent upserts and a local emulator.",
    "versions": [__version__],
    "integrations": [
        {
            "integration-name": "Pinecone",
            "external-doc-url": "https://docs.pinecone.io/guides/index-data/import-data",
            "tags": ["software"],
        }
    ],
    "hooks": [{"integration-name": "Pinecone", "python-modules": ["airflow_provider_pinecone.hooks.pinecone"]}],
    "operators": [
        {
            "integration-name": "Pinecone",
            "python-modules": [
                "airflow_provider_pinecone.operators.imports",
                "airflow_provider_pinecone.operators.namespaces",
                "airflow_provider_pinecone.operators.preflight",
                "airflow_provider_pinecone.operators.upsert",
            ],
        }
    ],
    "sensors": [{"integration-name": "Pinecone", "python-modules": ["airflow_provider_pinecone.sensors.imports"]}],
    "triggers": [{"integration-name": "Pinecone", "python-modules": ["airflow_provider_pinecone.triggers.imports"]}],
    "connection-types": [
        {
            "hook-class-name": "airflow_provider_pinecone.hooks.pinecone.PineconeHook",
            "hook-name": HOOK_NAME,
            "connection-type": CONNECTION_TYPE,
            "conn-fields": CONN_FIELDS,
            "ui-field-behaviour": UI_FIELD_BEHAVIOUR,
        }
    ],
    "extra-links": [
        "airflow_provider_pinecone.links.PineconeImportLink",
        "airflow_provider_pinecone.links.PineconeTabLink",
    ],
    # The "Pinecone" task-instance tab and "Pinecone imports" page. Airflow loads provider-info plugins
    # only with [core] lazy_discover_providers = False, so the airflow.plugins entry point registers it too.
    "plugins": [{"name": "pinecone", "plugin-class": "airflow_provider_pinecone.plugin.PineconePlugin"}],
    # pinecone://<index>/<namespace>: see airflow_provider_pinecone.assets.
    "asset-uris": [
        {
            "schemes": ["pinecone"],
            "handler": "airflow_provider_pinecone.assets.sanitize_uri",
            "factory": "airflow_provider_pinecone.assets.create_asset",
            "to_openlineage_converter": "airflow_provider_pinecone.assets.convert_asset_to_openlineage",
        }
    ],
}
