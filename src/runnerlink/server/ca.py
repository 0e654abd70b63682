"""runnerlink's local certificate authority: the subnet gateway terminates a workload's TLS with a certificate for the
AWS hostname it asked for, signed by this CA, which the workload trusts through the CA-bundle variables.

The CA is made once and kept in <state>/ca/ (ca.pem, ca-key.pem), so a bundle handed to a shell or CI stays valid
across restarts. Leaf certificates are made on demand, one per hostname, cached for the life of the process.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
import threading
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_CERT = "ca.pem"
CA_KEY = "ca-key.pem"
BUNDLE = "bundle.pem"  # the CA, then the system's trusted roots: what the CA-bundle variables point at
CA_NAME = "runnerlink local CA"
CA_DAYS = 3650
LEAF_DAYS = 365  # under the 398 days clients such as Apple's accept for a server certificate
BACKDATE = datetime.timedelta(hours=1)  # tolerate a client clock slightly behind ours


class LocalCA:
    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.cert_path = self.directory / CA_CERT
        self.bundle_path = self.directory / BUNDLE
        self._key, self._cert = _load_or_create(self.directory)
        _write_bundle(self.bundle_path, self._cert)
        self._leaf_key = ec.generate_private_key(ec.SECP256R1())  # one key for every leaf: keys are the slow part
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._lock = threading.Lock()

    @property
    def certificate(self) -> x509.Certificate:
        return self._cert

    def server_context(self, hostname: str) -> ssl.SSLContext:
        """A server-side TLS context presenting a certificate for hostname (cached per hostname)."""
        hostname = hostname.lower().rstrip(".")
        with self._lock:
            context = self._contexts.get(hostname)
            if context is None:
                context = self._contexts[hostname] = self._make_context(hostname)
            return context

    def leaf_certificate(self, hostname: str) -> x509.Certificate:
        now = datetime.datetime.now(datetime.timezone.utc)
        try:
            alt_name: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(hostname))
        except ValueError:
            alt_name = x509.DNSName(hostname)
        public_key = self._leaf_key.public_key()
        return (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname[:64])]))
            .issuer_name(self._cert.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE)
            .not_valid_after(now + datetime.timedelta(days=LEAF_DAYS))
            .add_extension(x509.SubjectAlternativeName([alt_name]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self._key.public_key()), critical=False)
            .sign(self._key, hashes.SHA256())
        )

    def _make_context(self, hostname: str) -> ssl.SSLContext:
        leaf = self.leaf_certificate(hostname)
        # ssl only loads a chain from files: write it once per hostname to the CA directory's leaf cache.
        leaves = self.directory / "leaves"
        leaves.mkdir(exist_ok=True)
        path = leaves / f"{hostname.replace('*', '_')}.pem"
        _write_private(path, _pem_key(self._leaf_key) + leaf.public_bytes(serialization.Encoding.PEM)
                       + self._cert.public_bytes(serialization.Encoding.PEM))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.set_alpn_protocols(["http/1.1"])
        context.load_cert_chain(path)
        return context


def _load_or_create(directory: Path) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    cert_path, key_path = directory / CA_CERT, directory / CA_KEY
    if cert_path.exists() and key_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        if isinstance(key, ec.EllipticCurvePrivateKey) and _still_valid(cert):
            return key, cert
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _ca_certificate(key)
    _write_private(key_path, _pem_key(key))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert


def _ca_certificate(key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    now = datetime.datetime.now(datetime.timezone.utc)
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "runnerlink"),
                      x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME)])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + datetime.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def _still_valid(cert: x509.Certificate) -> bool:
    """Valid for at least another leaf's lifetime (a leaf must not outlive its CA)."""
    remaining = cert.not_valid_after_utc - datetime.datetime.now(datetime.timezone.utc)
    return remaining > datetime.timedelta(days=LEAF_DAYS + 1)


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _write_private(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)


def _write_bundle(path: Path, cert: x509.Certificate) -> None:
    """The CA followed by the system's roots, so a program under `runnerlink exec` that also reaches other hosts
    directly (NO_PROXY) keeps trusting them."""
    system = b""
    cafile = ssl.get_default_verify_paths().cafile
    if cafile and os.path.exists(cafile):
        system = Path(cafile).read_bytes()
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + system)
