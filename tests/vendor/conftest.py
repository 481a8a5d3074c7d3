"""Vendored third-party test suites are not collected by this repository's run.

They run in their own pytest process, with their own rootdir and conftest (their ``tests``
package would clash with ours): see tests/integration/testing/clients/test_clients_vendored_python_sdk.py.
"""

collect_ignore_glob = ["*"]
