"""Example DAGs for airflow-provider-pinecone; each runs offline against the local emulator."""
