"""Upserting Parquet records through the data plane, for loads an import cannot do.

The reading side lists the source files (:mod:`.sources`), streams their row groups with bounded
memory (:mod:`.reading`), checks each record by pre-flight's rules (:mod:`.checks`) and encodes the
good ones as request fragments (:mod:`.encoding`). Nothing here imports Airflow.
"""
