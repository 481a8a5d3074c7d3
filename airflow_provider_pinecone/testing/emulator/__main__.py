"""Command line: ``python -m airflow_provider_pinecone.testing.emulator --port 5080``.

Prints ``control_plane_url=http://HOST:PORT`` and one ``index NAME host=HOST:PORT`` line
per ``--index``, then serves until SIGINT/SIGTERM and exits 0.

``--tls`` serves both planes over HTTPS with a certificate from a local CA and prints
``ca_cert=PATH`` first: Pinecone's clients dial an index's ``host`` over ``https://``, so with
the CA trusted (``Pinecone(ssl_ca_certs=PATH)``, ``SSL_CERT_FILE=PATH``,
``NODE_EXTRA_CA_CERTS=PATH``) they look indexes up by name unmodified. ``--tls-dir DIR`` keeps
the CA there across runs (see :mod:`airflow_provider_pinecone.testing.emulator.tls`).

The API key can come from ``$PINECONE_EMULATOR_API_KEY`` instead of ``--api-key`` (the
command line is visible to other users in ``ps``).

Imports are real (the files under the URI are read) unless ``--import-duration`` is given,
which simulates them on the clock. ``--s3-endpoint-url``, ``--gcs-endpoint`` and
``--azure-connection-string`` set ``AWS_ENDPOINT_URL_S3``, ``STORAGE_EMULATOR_HOST`` and
``AZURE_STORAGE_CONNECTION_STRING`` for this process, which the storage SDKs read.
``--faults SPEC`` sets random fault rates (syntax in
:mod:`airflow_provider_pinecone.testing.emulator.faults`). ``--upsert-requests-per-second`` and
``--upsert-bytes-per-second`` change Pinecone's per-namespace upsert limits (``off``: none).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from airflow_provider_pinecone.client.limits import UPSERT_BYTES_PER_SECOND, UPSERT_REQUESTS_PER_SECOND
from airflow_provider_pinecone.testing.emulator.errors import EmulatorError, require_number
from airflow_provider_pinecone.testing.emulator.faults import parse_fault_spec
from airflow_provider_pinecone.testing.emulator.server import PineconeEmulator, tune_gc_for_serving
from airflow_provider_pinecone.testing.emulator.state import IndexConfig
from airflow_provider_pinecone.testing.emulator.validation import validate_index_config

API_KEY_ENV = "PINECONE_EMULATOR_API_KEY"


@dataclass(frozen=True)
class IndexArg:
    """A parsed ``--index NAME:DIMENSION[:CLOUD]``."""

    name: str
    dimension: int
    cloud: str = "aws"


def _index_arg(value: str) -> IndexArg:
    parts = value.split(":")
    if len(parts) not in (2, 3) or not parts[0]:
        raise argparse.ArgumentTypeError(f"expected NAME:DIMENSION[:CLOUD], e.g. my-index:8:aws, got {value!r}")
    try:
        dimension = int(parts[1])
    except ValueError:
        raise argparse.ArgumentTypeError(f"DIMENSION must be an integer in {value!r}") from None
    index = IndexArg(parts[0], dimension, *parts[2:])
    try:
        # Validate before anything starts, so a typo never leaves a half-started emulator.
        validate_index_config(IndexConfig(index.name, dimension=index.dimension, cloud=index.cloud))
    except EmulatorError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None
    return index


def _non_negative(value: str) -> float:
    try:
        return require_number("seconds", float(value), minimum=0)
    except ValueError:  # also InvalidArgument: not a number, negative, nan or inf
        raise argparse.ArgumentTypeError(f"expected a finite number of seconds >= 0, got {value!r}") from None


def _fault_spec(value: str) -> str:
    try:
        parse_fault_spec(value)
    except EmulatorError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None
    return value


def _rate_limit(value: str) -> int | None:
    if value.strip().lower() == "off":
        return None
    try:
        limit: int = require_number("limit", int(value), minimum=1, integer=True)
    except ValueError:  # also InvalidArgument: not an integer, or below 1
        raise argparse.ArgumentTypeError(f"expected an integer >= 1 or 'off', got {value!r}") from None
    return limit


_STORAGE_ENV = {
    "s3_endpoint_url": "AWS_ENDPOINT_URL_S3",
    "gcs_endpoint": "STORAGE_EMULATOR_HOST",
    "azure_connection_string": "AZURE_STORAGE_CONNECTION_STRING",
}


def build_parser() -> argparse.ArgumentParser:
    """The CLI's argument parser."""
    parser = argparse.ArgumentParser(
        prog="python -m airflow_provider_pinecone.testing.emulator",
        description="Run a local emulator of Pinecone's REST API (control plane and one data plane per index).",
    )
    parser.add_argument("--port", type=int, required=True, help="control-plane port (0: any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default: %(default)s)")
    parser.add_argument(
        "--api-key",
        default=None,
        help=f"the only accepted Api-Key (default: ${API_KEY_ENV} if set, else any non-empty "
        f"key). Prefer ${API_KEY_ENV}: the command line is visible to other users in ps",
    )
    parser.add_argument(
        "--import-duration",
        type=_non_negative,
        default=None,
        metavar="S",
        help="simulate imports on the clock, loading for S seconds, instead of "
        "reading the files (default: real imports)",
    )
    parser.add_argument(
        "--indexing-delay",
        type=_non_negative,
        default=1.0,
        metavar="S",
        help="seconds at 100%% before Completed (default: %(default)s; 600 feels like Pinecone)",
    )
    parser.add_argument(
        "--file-delay",
        type=_non_negative,
        default=0.05,
        metavar="S",
        help="seconds a real import pauses after each file (default: %(default)s)",
    )
    parser.add_argument(
        "--s3-endpoint-url",
        metavar="URL",
        help="S3 endpoint for imports (sets AWS_ENDPOINT_URL_S3), e.g. a moto server",
    )
    parser.add_argument("--gcs-endpoint", metavar="URL", help="GCS endpoint for imports (sets STORAGE_EMULATOR_HOST)")
    parser.add_argument(
        "--azure-connection-string",
        metavar="S",
        help="Azure Blob Storage connection string for imports (sets "
        "AZURE_STORAGE_CONNECTION_STRING), e.g. Azurite's. It holds the account key "
        "and shows in ps: prefer exporting AZURE_STORAGE_CONNECTION_STRING",
    )
    parser.add_argument(
        "--faults",
        type=_fault_spec,
        default=None,
        metavar="SPEC",
        help='random fault rates, e.g. "429=0.2,503=0.2" or '
        '"latency_ms=50,drop=0.01@^/bulk/imports" (rules joined by ";")',
    )
    parser.add_argument(
        "--faults-seed",
        type=int,
        default=0,
        metavar="N",
        help="seed of the fault-rate random generator (default: %(default)s)",
    )
    parser.add_argument(
        "--upsert-requests-per-second",
        type=_rate_limit,
        default=UPSERT_REQUESTS_PER_SECOND,
        metavar="N",
        help="upsert requests per second per namespace before a 429, like Pinecone (default: "
        "%(default)s; 'off': no limit)",
    )
    parser.add_argument(
        "--upsert-bytes-per-second",
        type=_rate_limit,
        default=UPSERT_BYTES_PER_SECOND,
        metavar="N",
        help="upsert request bytes per second per namespace before a 429, like Pinecone (default: "
        "%(default)s; 'off': no limit)",
    )
    parser.add_argument(
        "--tls",
        action="store_true",
        help="serve both planes over HTTPS with a certificate from a local CA (prints ca_cert=PATH: "
        "make clients trust it, e.g. SSL_CERT_FILE or NODE_EXTRA_CA_CERTS), so Pinecone's clients "
        "can look indexes up by name",
    )
    parser.add_argument(
        "--tls-dir",
        metavar="DIR",
        default=None,
        help="with --tls: directory keeping the CA (reused when it holds one) and the server "
        "certificate (default: a temporary directory removed at exit)",
    )
    parser.add_argument(
        "--index",
        type=_index_arg,
        action="append",
        default=[],
        metavar="NAME:DIMENSION[:CLOUD]",
        help="pre-create a dense index (repeatable)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the emulator until SIGINT/SIGTERM; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        require_number("--port", args.port, minimum=0, maximum=65535, integer=True)
    except EmulatorError as exc:
        parser.error(exc.message)
    api_key = args.api_key if args.api_key is not None else os.environ.get(API_KEY_ENV) or None
    names = [index.name for index in args.index]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        parser.error(f"--index names must be unique, repeated: {', '.join(duplicates)}")
    if args.tls_dir is not None and not args.tls:
        parser.error("--tls-dir needs --tls (it says where the TLS certificates go)")

    # The storage SDKs read these when an import opens its store (SDK default configuration).
    for option, variable in _STORAGE_ENV.items():
        if getattr(args, option):
            os.environ[variable] = getattr(args, option)

    stop = threading.Event()
    # Only set a flag in the handler; shutting servers down happens on the main thread.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    try:
        emulator = PineconeEmulator(
            port=args.port,
            api_key=api_key,
            import_duration=args.import_duration,
            indexing_delay=args.indexing_delay,
            host=args.host,
            file_delay=args.file_delay,
            fault_spec=args.faults,
            fault_seed=args.faults_seed,
            upsert_requests_per_second=args.upsert_requests_per_second,
            upsert_bytes_per_second=args.upsert_bytes_per_second,
            tls=args.tls,
            tls_dir=args.tls_dir,
        )
    except (OSError, ValueError) as exc:  # the TLS directory is not writable or holds an unreadable CA
        parser.exit(1, f"error: cannot set up TLS: {exc}\n")
    try:
        emulator.start()
    except OSError as exc:
        parser.exit(1, f"error: cannot listen on {args.host}:{args.port}: {exc}\n")
    try:
        if emulator.ca_cert_path is not None:
            print(f"ca_cert={emulator.ca_cert_path}", flush=True)
        print(f"control_plane_url={emulator.control_plane_url}", flush=True)
        for index in args.index:
            try:
                model = emulator.create_index(index.name, dimension=index.dimension, cloud=index.cloud)
            except EmulatorError as exc:
                parser.error(f"--index {index.name}: {exc.message}")
            print(f"index {model['name']} host={model['host']}", flush=True)
        tune_gc_for_serving()
        stop.wait()
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
