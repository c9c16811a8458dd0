"""The emulator's HTTPS identity: a local certificate authority and a server certificate it signs.

Made with ``cryptography`` on first start and kept under ``<data dir>/tls/``; clients trust
``ca.pem`` (``connection_verify=...``). The server certificate names localhost, 127.0.0.1, ::1, this
machine's name and the address the emulator listens on, and is renewed when it no longer covers
that address or is about to expire. The authority signs nothing else, and its key never leaves the
data directory (files readable by their owner only).
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import os
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_VALIDITY = datetime.timedelta(days=3650)
SERVER_VALIDITY = datetime.timedelta(days=825)
RENEW_BEFORE = datetime.timedelta(days=30)
ORGANIZATION = "batchai-emulator"


@dataclass(frozen=True)
class Identity:
    ca_path: Path  # what clients trust
    cert_path: Path  # the server's certificate chain
    key_path: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.cert_path, self.key_path)
        return context


def ensure_identity(directory: Path | str, host: str) -> Identity:
    """The CA and server certificate under ``directory``, made or renewed as needed."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    ca_cert_path, ca_key_path = folder / "ca.pem", folder / "ca.key"
    cert_path, key_path = folder / "server.pem", folder / "server.key"
    if ca_cert_path.exists() and ca_key_path.exists():
        ca_cert = x509.load_pem_x509_certificate(ca_cert_path.read_bytes())
        ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
        if not isinstance(ca_key, ec.EllipticCurvePrivateKey) or _expiring(ca_cert):
            ca_cert, ca_key = _write_ca(ca_cert_path, ca_key_path)
            cert_path.unlink(missing_ok=True)
    else:
        ca_cert, ca_key = _write_ca(ca_cert_path, ca_key_path)
        cert_path.unlink(missing_ok=True)
    names = _names_for(host)
    if not (cert_path.exists() and key_path.exists() and _covers(cert_path, ca_cert, names)):
        _write_server(cert_path, key_path, ca_cert, ca_key, names)
    return Identity(ca_cert_path, cert_path, key_path)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _expiring(cert: x509.Certificate) -> bool:
    return cert.not_valid_after_utc - RENEW_BEFORE < _now()


def _names_for(host: str) -> tuple[set[str], set[str]]:
    """(DNS names, IP addresses) the server certificate must carry."""
    dns, ips = {"localhost"}, {"127.0.0.1", "::1"}
    with contextlib.suppress(OSError):
        dns.add(socket.gethostname().lower())
    if host and host not in ("0.0.0.0", "::", ""):
        try:
            ips.add(str(ipaddress.ip_address(host)))
        except ValueError:
            dns.add(host.lower())
    return dns, ips


def _covers(cert_path: Path, ca_cert: x509.Certificate, names: tuple[set[str], set[str]]) -> bool:
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    if cert.issuer != ca_cert.subject or _expiring(cert):
        return False
    alternative = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    dns = {name.lower() for name in alternative.get_values_for_type(x509.DNSName)}
    ips = {str(address) for address in alternative.get_values_for_type(x509.IPAddress)}
    return names[0] <= dns and names[1] <= ips


def _write_private(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write_ca(cert_path: Path, key_path: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{ORGANIZATION} local CA ({socket.gethostname()})"),
        ]
    )
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
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
    _write_private(key_path, _pem_key(key))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert, key


def _write_server(
    cert_path: Path,
    key_path: Path,
    ca_cert: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    names: tuple[set[str], set[str]],
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    alternative = [x509.DNSName(name) for name in sorted(names[0])] + [
        x509.IPAddress(ipaddress.ip_address(address)) for address in sorted(names[1])
    ]
    ca_key_id = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + SERVER_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(alternative), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_key_id), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write_private(key_path, _pem_key(key))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
