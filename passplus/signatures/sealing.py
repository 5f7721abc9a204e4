"""The platform's electronic seal on the PDFs it issues (PAdES, with pyHanko).

The sealing key comes from settings: a PKCS#12 file (`PASSPLUS_SEAL_PKCS12`), or a PEM key and
certificate (`PASSPLUS_SEAL_KEY` + `PASSPLUS_SEAL_CERT`). When neither is set (development,
tests), a self-signed EC P-256 certificate is generated once under `PASSPLUS_SEAL_DEV_DIR` and
reused. Production needs a seal certificate issued by a trusted CA.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import os
import tempfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from asn1crypto import x509
from cryptography import x509 as crypto_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

logger = logging.getLogger(__name__)

SEAL_REASON = "Convention Pass+ signée électroniquement"
SEAL_FIELD_NAME = "CachetPassPlus"
DEV_COMMON_NAME = "Pass+ — cachet de développement"
DEV_FILE_NAME = "dev-seal.pem"  # private key (PKCS#8, unencrypted) then certificate
DEV_VALIDITY = dt.timedelta(days=3650)


@dataclass(frozen=True)
class SealConfig:
    """The settings that choose the signer (hashable: the loaded signer is cached on it)."""

    pkcs12: str
    pkcs12_passphrase: str
    key: str
    cert: str
    key_passphrase: str
    dev_dir: str

    @classmethod
    def from_settings(cls) -> SealConfig:
        return cls(
            pkcs12=settings.PASSPLUS_SEAL_PKCS12,
            pkcs12_passphrase=settings.PASSPLUS_SEAL_PKCS12_PASSPHRASE,
            key=settings.PASSPLUS_SEAL_KEY,
            cert=settings.PASSPLUS_SEAL_CERT,
            key_passphrase=settings.PASSPLUS_SEAL_KEY_PASSPHRASE,
            dev_dir=str(settings.PASSPLUS_SEAL_DEV_DIR),
        )


def seal_pdf(pdf: bytes, *, reason: str = SEAL_REASON) -> bytes:
    """Return `pdf` with an invisible PAdES seal (B-B level) appended as an incremental update.

    The bytes of `pdf` are kept as they are: the seal covers them all.
    """
    signer = get_signer()
    metadata = signers.PdfSignatureMetadata(
        field_name=SEAL_FIELD_NAME,
        name=signer.subject_name,
        reason=reason,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    # Reserving the room of the signature container ourselves spares pyHanko a dry-run
    # signature to measure it (a third of the sealing time).
    output: BytesIO = signers.PdfSigner(metadata, signer=signer).sign_pdf(
        writer, bytes_reserved=_reserved_bytes(signer)
    )
    return output.getvalue()


def _reserved_bytes(signer: signers.SimpleSigner) -> int:
    """Room for the CMS container, in hex digits (as it is written in the PDF): the embedded
    certificates plus a generous 4 KiB for the signature value and signed attributes."""
    assert signer.signing_cert is not None
    certificates = [signer.signing_cert, *signer.cert_registry]
    return 2 * (4096 + sum(len(cert.dump()) for cert in certificates))


def seal_trust_root() -> x509.Certificate:
    """The certificate a validator should trust for our seals.

    The self-signed certificate of the chain when there is one (the development certificate, or
    a root shipped in the PKCS#12 file); otherwise the signing certificate itself.
    """
    signer = get_signer()
    assert signer.signing_cert is not None
    chain = [signer.signing_cert, *signer.cert_registry]
    for cert in chain:
        if cert.self_signed in ("yes", "maybe"):
            return cert
    return signer.signing_cert


def get_signer() -> signers.SimpleSigner:
    """The signer chosen by settings, loaded once per process and per configuration."""
    return _load_signer(SealConfig.from_settings())


@dataclass(frozen=True)
class SealCertificate:
    """What the health page tells of the seal's certificate (nothing secret)."""

    not_valid_after: dt.datetime
    development: bool  # the self-signed certificate generated when none is configured


def seal_certificate() -> SealCertificate:
    """The certificate this process seals with: the one loaded (and cached) by `get_signer`,
    so a certificate replaced on disk shows here only once the processes have restarted."""
    config = SealConfig.from_settings()
    signer = _load_signer(config)
    assert signer.signing_cert is not None
    return SealCertificate(
        not_valid_after=signer.signing_cert.not_valid_after,
        development=not (config.pkcs12 or config.key or config.cert),
    )


def clear_signer_cache() -> None:
    """Forget loaded signers (tests that change the seal settings call this)."""
    _load_signer.cache_clear()


@functools.cache
def _load_signer(config: SealConfig) -> signers.SimpleSigner:
    if config.pkcs12:
        signer: signers.SimpleSigner | None = signers.SimpleSigner.load_pkcs12(
            config.pkcs12, passphrase=_passphrase(config.pkcs12_passphrase)
        )
        # pyHanko logs the cause and returns None instead of raising.
        if signer is None:
            raise ImproperlyConfigured(
                f"Cachet électronique : impossible de lire le fichier PKCS#12 "
                f"PASSPLUS_SEAL_PKCS12={config.pkcs12!r} (fichier absent ou illisible, "
                "ou PASSPLUS_SEAL_PKCS12_PASSPHRASE incorrecte)."
            )
        return signer
    if config.key or config.cert:
        if not (config.key and config.cert):
            raise ImproperlyConfigured(
                "Cachet électronique : PASSPLUS_SEAL_KEY et PASSPLUS_SEAL_CERT "
                "doivent être renseignés ensemble."
            )
        signer = signers.SimpleSigner.load(
            config.key, config.cert, key_passphrase=_passphrase(config.key_passphrase)
        )
        if signer is None:
            raise ImproperlyConfigured(
                f"Cachet électronique : impossible de lire la clé PASSPLUS_SEAL_KEY="
                f"{config.key!r} ou le certificat PASSPLUS_SEAL_CERT={config.cert!r} "
                "(fichier absent ou illisible, ou PASSPLUS_SEAL_KEY_PASSPHRASE incorrecte)."
            )
        return signer
    return _dev_signer(Path(config.dev_dir))


def _passphrase(value: str) -> bytes | None:
    return value.encode() if value else None


def _dev_signer(directory: Path) -> signers.SimpleSigner:
    """Load the development seal, generating it on first use."""
    if not settings.DEBUG:
        logger.warning(
            "Convention PDFs are sealed with a self-signed development certificate: "
            "set PASSPLUS_SEAL_PKCS12 or PASSPLUS_SEAL_KEY/PASSPLUS_SEAL_CERT in production."
        )
    path = directory / DEV_FILE_NAME
    if not path.exists():
        _write_exclusively(path, _generate_dev_pem())
    data = path.read_bytes()
    try:
        key = load_private_key_from_pemder_data(data, passphrase=None)
        (cert,) = load_certs_from_pemder_data(data)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"Cachet de développement illisible : {path}. Supprimez ce fichier, il sera recréé."
        ) from exc
    return signers.SimpleSigner(
        signing_cert=cert, signing_key=key, cert_registry=SimpleCertificateStore()
    )


def _write_exclusively(path: Path, data: bytes) -> None:
    """Write `path` (mode 0600) unless it exists. Two processes racing keep the first file.

    The data goes to a temporary file first, then is hard-linked to its name: a link never
    replaces an existing file, so nobody ever reads a half-written or swapped key.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".seal-")  # mode 0600
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)


def _generate_dev_pem() -> bytes:
    """A self-signed EC P-256 seal certificate valid ten years, with its key, as PEM."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = crypto_x509.Name([crypto_x509.NameAttribute(NameOID.COMMON_NAME, DEV_COMMON_NAME)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        crypto_x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(crypto_x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + DEV_VALIDITY)
        .add_extension(
            crypto_x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # nonRepudiation
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
        .add_extension(
            crypto_x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key_pem + cert.public_bytes(serialization.Encoding.PEM)
