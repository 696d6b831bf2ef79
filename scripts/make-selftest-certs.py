#!/usr/bin/env python3
"""Generate the throw-away TLS test chain the self-test verifies against.

``resources/selftest/`` gets a test CA (``ca.pem``) and a server certificate
for 127.0.0.1 signed by it (``server.pem`` + ``server.key``). Nobody trusts
this CA; the key protects nothing: the self-test starts a TLS server on
127.0.0.1 with it to prove that the program's HTTPS client really verifies
certificates (the bundled CA file rejects it, the test CA accepts it). Valid
for 50 years, so installations never see it expire. Run again only to change
the chain (needs ``cryptography``, in the test environment).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

OUT = Path(__file__).resolve().parents[1] / "resources" / "selftest"


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Downloadmanager self-test"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common)])


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    until = now + dt.timedelta(days=365 * 50)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("Downloadmanager self-test CA"))
          .issuer_name(_name("Downloadmanager self-test CA")).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(until)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name("127.0.0.1")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(until)
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            # Python 3.13 verifies strictly (VERIFY_X509_STRICT): key identifiers are required.
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    (OUT / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (OUT / "server.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (OUT / "server.key").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                       serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
