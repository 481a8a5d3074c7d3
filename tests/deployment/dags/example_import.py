"""The README's example Airflow DAG, unchanged, served by the deployment.

PINECONE_EXAMPLE_POLL_SECONDS is small there.
"""

from example_dags.example_pinecone_bulk_import import dag  # noqa: F401  (the DAG processor finds it here)
