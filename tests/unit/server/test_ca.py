"""The local CA: a proper CA certificate, leaf certificates real TLS clients accept for the AWS hostname, and the
same CA after a restart."""

from __future__ import annotations

import datetime
import ssl

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from runnerlink.server.ca import LEAF_DAYS, LocalCA

HOST = "apprunner.us-east-1.amazonaws.com"


def test_the_ca_is_a_ca(tmp_path):
    cert = LocalCA(tmp_path).certificate
    constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.key_cert_sign and usage.value.crl_sign
    assert cert.subject == cert.issuer
    now = datetime.datetime.now(datetime.timezone.utc)
    assert cert.not_valid_before_utc < now < cert.not_valid_after_utc
    assert (tmp_path / "ca-key.pem").stat().st_mode & 0o077 == 0


def test_a_leaf_names_its_host_and_serves_only_as_a_server(tmp_path):
    ca = LocalCA(tmp_path)
    leaf = ca.leaf_certificate(HOST)
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == [HOST]
    assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert leaf.issuer == ca.certificate.subject
    lifetime = leaf.not_valid_after_utc - leaf.not_valid_before_utc
    assert lifetime < datetime.timedelta(days=LEAF_DAYS + 1)


def _handshake(server: ssl.SSLContext, client: ssl.SSLContext, hostname: str) -> None:
    """A TLS handshake between the two contexts in memory."""
    client_in, client_out, server_in, server_out = (ssl.MemoryBIO() for _ in range(4))
    client_side = client.wrap_bio(client_in, client_out, server_hostname=hostname)
    server_side = server.wrap_bio(server_in, server_out, server_side=True)
    for _ in range(10):
        done = 0
        for side in (client_side, server_side):
            try:
                side.do_handshake()
                done += 1
            except ssl.SSLWantReadError:
                pass
        server_in.write(client_out.read())
        client_in.write(server_out.read())
        if done == 2:
            return
    raise AssertionError("the handshake did not finish")


def test_a_client_trusting_the_bundle_accepts_the_gateway(tmp_path):
    ca = LocalCA(tmp_path)
    client = ssl.create_default_context(cafile=str(ca.bundle_path))
    client.verify_flags |= getattr(ssl, "VERIFY_X509_STRICT", 0)  # as Python 3.13's default context checks
    _handshake(ca.server_context(HOST), client, HOST)
    with pytest.raises(ssl.SSLCertVerificationError):
        _handshake(ca.server_context(HOST), client, "codebuild.us-east-1.amazonaws.com")
    assert ca.server_context(HOST) is ca.server_context(HOST.upper())  # cached per hostname


def test_the_ca_is_reused_from_its_directory(tmp_path):
    first = LocalCA(tmp_path)
    second = LocalCA(tmp_path)
    assert first.certificate == second.certificate
    assert LocalCA(tmp_path / "other").certificate != first.certificate
    assert second.bundle_path.read_bytes().startswith(first.cert_path.read_bytes())
