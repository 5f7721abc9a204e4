"""Validation of what organisations type: identity numbers, phones, bank details, RIB files.

Each function takes the raw input and returns the normalised value, or raises Django's
ValidationError with a French message meant for the form field concerned.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

import filetype
import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from schwifty import BIC, IBAN
from schwifty import exceptions as iban_errors
from stdnum import exceptions as number_errors
from stdnum.fr import siret

# Regions whose numbers are French (metropolitan and overseas): an overseas mobile such as
# 0692 12 34 56 is valid only with its own region code.
FRENCH_PHONE_REGIONS = ("FR", "RE", "GP", "MQ", "GF", "YT", "PM", "BL", "MF", "NC", "PF", "WF")
MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE,)
RNA_PATTERN = re.compile(r"^W[0-9A-Z]{9}$")
RIB_MIME_TYPES = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
}
# The extension a RIB is stored and served under, from the type its bytes show.
RIB_EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def compact(value: str) -> str:
    """Upper case, without spaces, dots or dashes (how people copy numbers)."""
    return re.sub(r"[\s.\-]", "", value or "").upper()


def clean_siret(value: str) -> str:
    number = compact(value)
    if not number.isdigit() or len(number) != 14:
        raise ValidationError("Le SIRET comporte 14 chiffres.", code="siret_format")
    try:
        return str(siret.validate(number))
    except number_errors.ValidationError as error:
        raise ValidationError(
            "Ce SIRET n'est pas valide : vérifiez les 14 chiffres (clé de contrôle incorrecte).",
            code="siret_checksum",
        ) from error


def clean_rna(value: str) -> str:
    number = compact(value)
    if not RNA_PATTERN.match(number):
        raise ValidationError(
            "Le numéro RNA commence par W suivi de 9 caractères (par exemple W921234567).",
            code="rna_format",
        )
    return number


def _parse_french(value: str) -> Iterator[phonenumbers.PhoneNumber]:
    """Every valid reading of `value` as a French (metropolitan or overseas) number, metropolitan
    first; lazily, since the first one usually answers (a switch-over file checks thousands)."""
    for region in FRENCH_PHONE_REGIONS:
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number) and (
            phonenumbers.region_code_for_number(number) in FRENCH_PHONE_REGIONS
        ):
            yield number


def clean_french_phone(value: str) -> str:
    """Any valid French number (landline or mobile), stored E.164."""
    reading = next(_parse_french(value.strip()), None)
    if reading is None:
        raise ValidationError(
            "Ce numéro de téléphone n'est pas valide (exemple : 01 23 45 67 89).",
            code="phone_invalid",
        )
    return phonenumbers.format_number(reading, phonenumbers.PhoneNumberFormat.E164)


def clean_french_mobile(value: str) -> str:
    """A French mobile (overseas regions included) that can receive an SMS, stored E.164."""
    readings = _parse_french(value.strip())
    first = next(readings, None)
    if first is None:
        raise ValidationError(
            "Ce numéro de portable n'est pas valide (exemple : 06 12 34 56 78).",
            code="mobile_invalid",
        )
    for number in itertools.chain([first], readings):
        if phonenumbers.number_type(number) in MOBILE_TYPES:
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise ValidationError(
        "Ce numéro n'est pas un portable : le code de signature est envoyé par SMS, "
        "indiquez un numéro de mobile (06, 07…).",
        code="mobile_not_mobile",
    )


def display_phone(e164: str) -> str:
    """+33612345678 -> 06 12 34 56 78 (national format for French readers)."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


IBAN_MESSAGES: dict[type[Exception], str] = {
    iban_errors.InvalidChecksumDigits: (
        "Cet IBAN n'est pas valide : la clé de contrôle ne correspond pas. "
        "Recopiez-le depuis votre RIB."
    ),
    iban_errors.InvalidBBANChecksum: (
        "Cet IBAN n'est pas valide : la clé RIB ne correspond pas au compte. "
        "Recopiez-le depuis votre RIB."
    ),
    iban_errors.InvalidLength: "Cet IBAN n'a pas la bonne longueur (27 caractères pour la France).",
    iban_errors.InvalidCountryCode: "Cet IBAN commence par un code pays inconnu.",
}


def clean_iban(value: str) -> IBAN:
    """An IBAN whose national (RIB) key is checked too: `validate_bban=True`."""
    try:
        return IBAN(compact(value), validate_bban=True)
    except ValueError as error:
        for error_class, message in IBAN_MESSAGES.items():
            if isinstance(error, error_class):
                raise ValidationError(message, code="iban_invalid") from error
        raise ValidationError(
            "Cet IBAN n'est pas valide. Recopiez-le depuis votre RIB.", code="iban_invalid"
        ) from error


def bic_of(iban: IBAN) -> str | None:
    """The BIC derived from the bank code when the registry knows it (most French banks)."""
    try:
        derived = iban.bic
    except ValueError:
        return None
    return str(derived) if derived else None


def clean_bic(value: str, *, iban: IBAN) -> str:
    """A BIC typed by hand: well formed, known, and of the IBAN's country."""
    try:
        bic = BIC(compact(value))
    except ValueError as error:
        raise ValidationError(
            "Ce BIC n'est pas valide (8 ou 11 caractères, par exemple AGRIFRPP).",
            code="bic_invalid",
        ) from error
    if bic.country_code != iban.country_code:
        raise ValidationError(
            "Ce BIC n'est pas celui d'une banque du pays de l'IBAN.", code="bic_country"
        )
    if not bic.exists:
        raise ValidationError(
            "Ce BIC est inconnu. Recopiez-le depuis votre RIB.", code="bic_unknown"
        )
    return str(bic)


@dataclass(frozen=True)
class BankDetails:
    iban: str
    bic: str


def clean_bank_details(iban_value: str, bic_value: str) -> BankDetails:
    """IBAN checked with its RIB key; BIC derived from it when possible, else typed and checked.

    Raises a ValidationError keyed by field ("iban" or "bic") for a form's add_error.
    """
    try:
        iban = clean_iban(iban_value)
    except ValidationError as error:
        raise ValidationError({"iban": error}) from error
    derived = bic_of(iban)
    if derived:
        return BankDetails(iban=str(iban.compact), bic=derived)
    if not compact(bic_value):
        raise ValidationError(
            {
                "bic": ValidationError(
                    "Le BIC de cette banque ne peut pas être déduit de l'IBAN : "
                    "recopiez-le depuis votre RIB.",
                    code="bic_required",
                )
            }
        )
    try:
        bic = clean_bic(bic_value, iban=iban)
    except ValidationError as error:
        raise ValidationError({"bic": error}) from error
    return BankDetails(iban=str(iban.compact), bic=bic)


def rib_mime_type(head: bytes) -> str | None:
    """The RIB type (PDF, JPEG or PNG) that a file's first bytes show, else None."""
    kind = filetype.guess(head[:262])
    return kind.mime if kind is not None and kind.mime in RIB_MIME_TYPES else None


def validate_rib_document(upload: UploadedFile[bytes]) -> None:
    """PDF, JPEG or PNG, judged from the file's first bytes (never its name), size capped."""
    limit = settings.PASSPLUS_RIB_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            f"Le fichier dépasse {limit // (1024 * 1024)} Mo : envoyez un fichier plus léger "
            "(une photo ou un PDF du RIB).",
            code="rib_too_large",
        )
    upload.seek(0)
    head = upload.read(262)
    upload.seek(0)
    if rib_mime_type(head) is None:
        raise ValidationError(
            "Ce fichier n'est ni un PDF, ni une image JPEG ou PNG : envoyez le RIB dans "
            "l'un de ces formats.",
            code="rib_type",
        )
