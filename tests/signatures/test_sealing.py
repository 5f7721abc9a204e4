"""The platform seal (passplus.signatures.sealing): PAdES signatures that pyHanko validates, the
development certificate, and clear errors on a misconfigured key."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import x509
from cryptography import x509 as crypto_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.core.exceptions import ImproperlyConfigured
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from reportlab.pdfgen.canvas import Canvas

from passplus.signatures import sealing

MARKER = b"Texte scelle par le cachet"


@pytest.fixture(autouse=True)
def seal_dir(settings: Any, tmp_path: Path) -> Iterator[Path]:
    directory = tmp_path / "seal"
    settings.PASSPLUS_SEAL_DEV_DIR = directory
    settings.PASSPLUS_SEAL_PKCS12 = ""
    settings.PASSPLUS_SEAL_PKCS12_PASSPHRASE = ""
    settings.PASSPLUS_SEAL_KEY = ""
    settings.PASSPLUS_SEAL_CERT = ""
    settings.PASSPLUS_SEAL_KEY_PASSPHRASE = ""
    sealing.clear_signer_cache()
    yield directory
    sealing.clear_signer_cache()


def small_pdf() -> bytes:
    """One page whose text is stored uncompressed, so a test can find and alter it."""
    buffer = BytesIO()
    canvas = Canvas(buffer, invariant=1, pageCompression=0)
    canvas.drawString(100, 700, MARKER.decode())
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def validate(pdf: bytes, trust_roots: list[x509.Certificate]) -> Any:
    reader = PdfFileReader(BytesIO(pdf))
    (signature,) = reader.embedded_signatures
    return validate_pdf_signature(signature, ValidationContext(trust_roots=trust_roots))


def test_sealed_pdf_is_intact_valid_and_trusted_with_the_platform_root() -> None:
    sealed = sealing.seal_pdf(small_pdf())

    status = validate(sealed, [sealing.seal_trust_root()])

    assert status.intact and status.valid
    assert status.trusted
    assert status.bottom_line


def test_sealed_pdf_is_not_trusted_without_the_platform_root() -> None:
    status = validate(sealing.seal_pdf(small_pdf()), [])

    assert status.intact and status.valid
    assert not status.trusted


def test_seal_is_pades_with_reason_and_the_certificate_name() -> None:
    reader = PdfFileReader(BytesIO(sealing.seal_pdf(small_pdf())))
    (signature,) = reader.embedded_signatures

    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert signature.sig_object["/Reason"] == "Convention Pass+ signée électroniquement"
    assert signature.sig_object["/Name"] == "Pass+ — cachet de développement"


def test_seal_keeps_the_original_bytes_and_covers_the_whole_file() -> None:
    original = small_pdf()
    sealed = sealing.seal_pdf(original)

    assert sealed.startswith(original)
    status = validate(sealed, [sealing.seal_trust_root()])
    assert status.coverage.name == "ENTIRE_FILE"


def test_flipping_one_byte_of_the_signed_content_breaks_the_seal() -> None:
    sealed = sealing.seal_pdf(small_pdf())
    offset = sealed.index(MARKER)  # in the page content, covered by /ByteRange
    tampered = sealed[:offset] + b"t" + sealed[offset + 1 :]
    assert len(tampered) == len(sealed) and tampered != sealed

    status = validate(tampered, [sealing.seal_trust_root()])

    assert not status.intact
    assert not status.bottom_line


def test_development_certificate_is_created_once_then_reused(seal_dir: Path) -> None:
    first_root = sealing.seal_trust_root()
    path = seal_dir / sealing.DEV_FILE_NAME
    content, modified = path.read_bytes(), path.stat().st_mtime_ns

    sealing.clear_signer_cache()  # as a new process would
    second_root = sealing.seal_trust_root()

    assert path.read_bytes() == content
    assert path.stat().st_mtime_ns == modified
    assert second_root.dump() == first_root.dump()
    assert path.stat().st_mode & 0o777 == 0o600


def test_development_certificate_is_an_ec_p256_seal_valid_ten_years(seal_dir: Path) -> None:
    sealing.get_signer()
    cert = crypto_x509.load_pem_x509_certificate((seal_dir / sealing.DEV_FILE_NAME).read_bytes())

    (common_name,) = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    assert common_name.value == "Pass+ — cachet de développement"
    assert cert.issuer == cert.subject
    public_key = cert.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    assert public_key.curve.name == "secp256r1"
    usage = cert.extensions.get_extension_for_class(crypto_x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert dt.timedelta(days=3649) < lifetime < dt.timedelta(days=3651)


def test_signer_is_loaded_once_per_configuration() -> None:
    assert sealing.get_signer() is sealing.get_signer()


def write_key_and_cert(directory: Path, passphrase: bytes | None = None) -> tuple[Path, Path]:
    """A PEM key and certificate like an operator would install (from a fresh dev seal)."""
    pem = sealing._generate_dev_pem()
    key = serialization.load_pem_private_key(pem, password=None)
    cert = crypto_x509.load_pem_x509_certificate(pem)
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    directory.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = directory / "seal.key.pem", directory / "seal.cert.pem"
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def test_pem_key_and_certificate_from_settings_are_used(
    settings: Any, tmp_path: Path, seal_dir: Path
) -> None:
    key_path, cert_path = write_key_and_cert(tmp_path / "etc", passphrase=b"phrase")
    settings.PASSPLUS_SEAL_KEY = str(key_path)
    settings.PASSPLUS_SEAL_CERT = str(cert_path)
    settings.PASSPLUS_SEAL_KEY_PASSPHRASE = "phrase"

    status = validate(sealing.seal_pdf(small_pdf()), [sealing.seal_trust_root()])

    assert status.bottom_line
    expected = x509.Certificate.load(
        crypto_x509.load_pem_x509_certificate(cert_path.read_bytes()).public_bytes(
            serialization.Encoding.DER
        )
    )
    assert sealing.seal_trust_root().dump() == expected.dump()
    assert not seal_dir.exists()  # no development seal generated


def test_missing_pem_files_are_a_clear_configuration_error(settings: Any, tmp_path: Path) -> None:
    settings.PASSPLUS_SEAL_KEY = str(tmp_path / "absent.key.pem")
    settings.PASSPLUS_SEAL_CERT = str(tmp_path / "absent.cert.pem")

    with pytest.raises(ImproperlyConfigured, match="impossible de lire la clé PASSPLUS_SEAL_KEY"):
        sealing.seal_pdf(small_pdf())


def test_wrong_key_passphrase_is_a_configuration_error(settings: Any, tmp_path: Path) -> None:
    key_path, cert_path = write_key_and_cert(tmp_path / "etc", passphrase=b"phrase")
    settings.PASSPLUS_SEAL_KEY = str(key_path)
    settings.PASSPLUS_SEAL_CERT = str(cert_path)
    settings.PASSPLUS_SEAL_KEY_PASSPHRASE = "autre"

    with pytest.raises(ImproperlyConfigured, match="PASSPLUS_SEAL_KEY_PASSPHRASE"):
        sealing.get_signer()


def test_key_without_certificate_is_a_configuration_error(settings: Any, tmp_path: Path) -> None:
    key_path, _ = write_key_and_cert(tmp_path / "etc")
    settings.PASSPLUS_SEAL_KEY = str(key_path)

    with pytest.raises(ImproperlyConfigured, match="doivent être renseignés ensemble"):
        sealing.get_signer()


def test_pkcs12_from_settings_is_used_and_checked(settings: Any, tmp_path: Path) -> None:
    pem = sealing._generate_dev_pem()
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    archive = pkcs12.serialize_key_and_certificates(
        b"seal",
        key,
        crypto_x509.load_pem_x509_certificate(pem),
        None,
        serialization.BestAvailableEncryption(b"p12-phrase"),
    )
    path = tmp_path / "seal.p12"
    path.write_bytes(archive)
    settings.PASSPLUS_SEAL_PKCS12 = str(path)
    settings.PASSPLUS_SEAL_PKCS12_PASSPHRASE = "p12-phrase"

    assert validate(sealing.seal_pdf(small_pdf()), [sealing.seal_trust_root()]).bottom_line

    settings.PASSPLUS_SEAL_PKCS12_PASSPHRASE = "mauvaise"
    with pytest.raises(ImproperlyConfigured, match="PASSPLUS_SEAL_PKCS12"):
        sealing.get_signer()


def test_unreadable_development_seal_is_a_clear_error(seal_dir: Path) -> None:
    seal_dir.mkdir(parents=True)
    (seal_dir / sealing.DEV_FILE_NAME).write_bytes(b"pas une clef")

    with pytest.raises(ImproperlyConfigured, match="Cachet de développement illisible"):
        sealing.get_signer()
