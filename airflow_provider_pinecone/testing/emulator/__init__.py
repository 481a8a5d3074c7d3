"""A local emulator of Pinecone's REST API (control plane + per-index data planes).

Use :class:`PineconeEmulator` from Python (tests, fixtures) or run
``python -m airflow_provider_pinecone.testing.emulator --port 5080`` from a shell.
It needs ``fastapi`` and ``uvicorn`` (the ``emulator`` extra) but not Airflow.
"""

from __future__ import annotations

from airflow_provider_pinecone.testing.emulator.server import EmulatorStartupError, PineconeEmulator

__all__ = ["EmulatorStartupError", "PineconeEmulator"]
