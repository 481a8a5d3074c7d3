"""A local emulator of Pinecone's REST API (control plane + per-index data planes).

Use :class:`PineconeEmulator` from Python (tests, fixtures) or run
``python -m airflow_provider_pinecone.testing.emulator --port 5080`` from a shell.
It needs ``fastapi`` and ``uvicorn`` (the ``emulator`` extra) but not Airflow.

It speaks API versions 2025-04, 2025-10, 2026-04 and 2026-07, each in its own shapes, chosen by the
``X-Pinecone-Api-Version`` header; a request without the header is answered as 2025-10
(:data:`.versions.DEFAULT_VERSION`).
"""

from __future__ import annotations

from airflow_provider_pinecone.testing.emulator.server import EmulatorStartupError, PineconeEmulator

__all__ = ["EmulatorStartupError", "PineconeEmulator"]
