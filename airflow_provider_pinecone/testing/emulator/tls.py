"""TLS for the emulator: a local certificate authority and a server certificate it signs.

Pinecone's control plane answers an index's ``host`` as a bare host name and every client
(the Python SDK, the TypeScript client, the official Airflow provider) dials it over
``https://``. Serving both planes over TLS lets those clients look an index up by name
unmodified: they only need to trust the emulator's CA, which they all take from a file:

- Python SDK: ``Pinecone(ssl_ca_certs=CA)``, or ``SSL_CERT_FILE=CA`` in the environment (httpx
  reads it), which is also how code that builds its own client (the official provider) is reached;
- Node: ``NODE_EXTRA_CA_CERTS=CA`` (added to Node's bundled roots).

The CA is kept in a directory: given one that already holds ``ca.pem`` and ``ca-key.pem``, they
are reused, so a CA trusted once stays trusted across emulator runs. The server certificate is
issued afresh at every start for the bound address plus ``localhost``, ``127.0.0.1`` and ``::1``.
Keys are ECDSA P-256: generating both takes milliseconds.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_CERT_FILE = "ca.pem"
CA_KEY_FILE = "ca-key.pem"
SERVER_CERT_FILE = "server.pem"
SERVER_KEY_FILE = "server-key.pem"

_CA_VALIDITY = datetime.timedelta(days=3650)
# Under the 398 days some TLS stacks allow a server certificate; it is re-issued at every start anyway.
_SERVER_VALIDITY = datetime.timedelta(days=397)
# Clocks of containers and hosts drift; a certificate valid from "now" can look not-yet-valid.
_BACKDATE = datetime.timedelta(hours=1)
_LOCAL_NAMES = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class TLSFiles:
    """PEM files of the emulator's TLS setup.

    Attributes:
        ca_cert: The CA certificate clients must trust (public; safe to hand out).
        server_cert: The servers' certificate, signed by the CA.
        server_key: The servers' private key (mode 0600).
    """

    ca_cert: Path
    server_cert: Path
    server_key: Path


def _write_private(path: Path, data: bytes) -> None:
    # Created with 0600 from the start: a key must never be readable by others, not even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _load_ca(directory: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None:
    cert_path, key_path = directory / CA_CERT_FILE, directory / CA_KEY_FILE
    if not (cert_path.exists() and key_path.exists()):
        return None
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except ValueError as exc:
        raise ValueError(
            f"The emulator's CA in {directory} cannot be read ({exc}); delete {CA_CERT_FILE} and "
            f"{CA_KEY_FILE} there to have a new CA made (clients must then trust the new {CA_CERT_FILE})."
        ) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(
            f"{directory / CA_KEY_FILE} is not an EC key made by the emulator; delete {CA_CERT_FILE} and "
            f"{CA_KEY_FILE} there to have a new CA made."
        )
    return cert, key


def _new_ca(directory: Path, now: datetime.datetime) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Pinecone emulator local CA")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + _CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_private(directory / CA_KEY_FILE, _pem_key(key))
    (directory / CA_CERT_FILE).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert, key


def _subject_alternative_names(hosts: Iterable[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for host in dict.fromkeys([*hosts, *_LOCAL_NAMES]):  # ordered, without duplicates
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


class TLSServer(uvicorn.Server):
    """A uvicorn server that stops promptly over TLS.

    At shutdown uvicorn closes idle keep-alive connections and waits for them to be gone. Over
    TLS a close first waits for the client's ``close_notify`` (up to asyncio's 30 s), which an
    idle pooled client (httpx, undici) never sends, so every stop would hit the graceful-shutdown
    timeout. Idle connections are aborted instead; busy ones still finish their response.
    """

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """Abort idle connections, then shut down as uvicorn does."""
        for connection in list(self.server_state.connections):
            cycle = getattr(connection, "cycle", None)
            transport = getattr(connection, "transport", None)
            if transport is not None and (cycle is None or cycle.response_complete):
                transport.abort()
        await super().shutdown(sockets)


def create_tls_files(directory: str | os.PathLike[str], hosts: Iterable[str]) -> TLSFiles:
    """Make (or reuse) the CA in ``directory`` and issue a server certificate for ``hosts``.

    ``hosts`` are the names and IP addresses clients dial; loopback names are always included.
    The directory is created if missing. Raises ``ValueError`` if an existing CA cannot be read.
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    ca_cert, ca_key = _load_ca(folder) or _new_ca(folder, now)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Pinecone emulator")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(min(now + _SERVER_VALIDITY, ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(_subject_alternative_names(hosts)), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    files = TLSFiles(folder / CA_CERT_FILE, folder / SERVER_CERT_FILE, folder / SERVER_KEY_FILE)
    _write_private(files.server_key, _pem_key(key))
    files.server_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return files
