"""Tests of airflow_provider_pinecone.

A regular package, not a namespace one: a site-packages ``tests`` package (looker-sdk, a
dependency of apache-airflow-providers-google, installs ``tests/integration``) would otherwise
shadow ``tests.integration``.
"""
