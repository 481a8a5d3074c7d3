"""Pre-flight validation of a Pinecone import source: the import's rules, checked in seconds.

:func:`validate_import_source` lists the import directory once, reads each Parquet footer with
one ranged request, optionally samples rows, and returns an :class:`ImportSourceReport` of
problems (each with a stable ``code``) and the row counts the import should report.
"""

from airflow_provider_pinecone.preflight.problems import Problem, Severity
from airflow_provider_pinecone.preflight.report import ImportSourceReport, NamespaceSummary
from airflow_provider_pinecone.preflight.validate import validate_import_source

__all__ = ["ImportSourceReport", "NamespaceSummary", "Problem", "Severity", "validate_import_source"]
