"""Checking a switch-over file (docs/switch-over.md) before anything is imported: every line,
with the wizard's own validators, against the other lines and against the platform.

The file is read by the shared CSV helpers (passplus.core.csv_files: encodings, separators,
headers in any order, binary files, too many lines or columns refused as a whole with
FileError). Each line is then checked: required cells, lengths (the model fields' max_length),
invisible characters, the legal form and the identity it calls for (SIRET for `public` and
`entreprise`, SIRET or RNA otherwise; SIRET by its key with La Poste's exception, RNA by its
shape), dates jj/mm/aaaa, oui/non, domains, a commune of the territory (its name, accents and
case aside, or its INSEE code; a name two communes share asks for the code), the postcode, French
phones and mobiles, e-mails, the IBAN with its national (RIB) key and the BIC, the documents
named in the ZIP (present, of the right type judged from their bytes, not too large).

Duplicates: a later line with the SIRET or RNA of an earlier one is wrong. An organisation
already on the platform with the same SIRET (else RNA) is fine when a switch-over imported it
(the import updates it), wrong otherwise (« déjà partenaire sur la plateforme »). A contact
address that is already another account's login is wrong (the claim would fail).

Everything the check needs from the database is read up front, in a fixed number of queries
whatever the number of lines. Cells starting with = + - @ are kept as typed (every export
neutralises them), unless a validator refuses them anyway (a SIRET, an IBAN…).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db.models import Field, Model
from django.db.models.functions import Lower
from django.utils import timezone
from schwifty import BIC

from passplus.accounts.models import User
from passplus.core import csv_files
from passplus.core.csv_files import FileError, normalise_header, shown
from passplus.core.request_size import megabytes
from passplus.organisations.enums import LegalForm
from passplus.organisations.models import (
    BankAccount,
    ImportedOrganisation,
    Organisation,
)
from passplus.organisations.switch_over.lines import COLUMNS, REQUIRED_COLUMNS, OrganisationLine
from passplus.organisations.validators import (
    RIB_MIME_TYPES,
    clean_bank_details,
    clean_french_mobile,
    clean_french_phone,
    clean_rna,
    clean_siret,
    compact,
)
from passplus.territory.models import Commune

if TYPE_CHECKING:
    from passplus.organisations.switch_over.documents import DocumentArchive

__all__ = ["CheckResult", "FileError", "check_file"]

MAX_LINES = 20_000  # a département has 1,000 to 3,000 organisations
MAX_COLUMNS = 200  # the file has 31; a wider one is no export of organisations
PROGRESS_EVERY = 100
# Looked up per query (below SQLite's oldest limit on query parameters).
LOOKUP_BATCH = 900


def _max_length(model: type[Model], name: str) -> int:
    model_field = model._meta.get_field(name)
    assert isinstance(model_field, Field) and model_field.max_length is not None
    return int(model_field.max_length)


# The longest cell accepted, per field: the model field's max_length where the cell is stored
# as typed, the forms' limits for what is normalised (numbers, phones).
CELL_LIMITS: dict[str, int] = {
    "legal_name": _max_length(Organisation, "legal_name"),
    "acronym": _max_length(Organisation, "acronym"),
    "legal_form": 40,
    "siret": 30,
    "rna": 20,
    "creation_date": 20,
    "is_non_profit": 10,
    "domains": 40,
    "street": _max_length(Organisation, "street"),
    "postcode": 10,
    "commune": _max_length(Commune, "name"),
    "public_name": _max_length(Organisation, "public_name"),
    "public_phone": 30,
    "public_email": _max_length(Organisation, "public_email"),
    "website": _max_length(Organisation, "website"),
    "description": _max_length(Organisation, "description"),
    "contact_name": _max_length(ImportedOrganisation, "contact_name"),
    "contact_email": _max_length(ImportedOrganisation, "contact_email"),
    "contact_mobile": 30,
    "representative_name": _max_length(Organisation, "representative_name"),
    "representative_role": _max_length(Organisation, "representative_role"),
    "representative_email": _max_length(Organisation, "representative_email"),
    "representative_mobile": 30,
    "iban": 50,
    "bic": 20,
    "holder": _max_length(BankAccount, "holder"),
    "bank_validated": 10,
    "convention_signed_on": 20,
    "convention_version": _max_length(ImportedOrganisation, "convention_version_label"),
    "rib_file": 255,
    "convention_file": 255,
}
assert set(CELL_LIMITS) == set(COLUMNS)
MULTILINE = frozenset({"description"})
LEGAL_FORMS: dict[str, str] = {
    "association": LegalForm.ASSOCIATION,
    "public": LegalForm.PUBLIC,
    "entreprise": LegalForm.COMPANY,
    "autre": LegalForm.OTHER,
    **{normalise_header(form.value): form.value for form in LegalForm},
    **{normalise_header(form.label): form.value for form in LegalForm},
}
NEEDS_SIRET = frozenset({LegalForm.PUBLIC, LegalForm.COMPANY})
DOMAIN_SEPARATORS = re.compile(r"\s*(?:[+,;/&]|\bet\b)\s*")
INSEE_CODE = re.compile(r"^\d[\dAB]\d{3}$")
CONVENTION_MIME_TYPES = {"application/pdf": "PDF"}
OLDEST_YEAR = 1800
NUMBER_NAMES = {"siret": "SIRET", "rna": "numéro RNA"}


@dataclass
class CheckResult:
    total: int
    valid: list[OrganisationLine] = field(default_factory=list)
    errors: list[tuple[int, list[str]]] = field(default_factory=list)  # (line, messages)


@dataclass(frozen=True)
class Known:
    """An organisation already on the platform."""

    pk: int
    name: str
    imported: bool


def label(name: str) -> str:
    return f"« {COLUMNS[name][0]} »"


def _lowered(message: str) -> str:
    return message[:1].lower() + message[1:]


class LineChecker:
    """Checks lines against each other and against the platform, read once, up front."""

    def __init__(self, *, archive: DocumentArchive | None, contact_emails: Iterable[str]) -> None:
        self.archive = archive
        self.today = timezone.localdate()
        self.document_limit = settings.PASSPLUS_RIB_MAX_BYTES
        self.communes_by_code: dict[str, int] = {}
        self.communes_by_name: dict[str, list[tuple[int, str]]] = {}
        self.postcodes: set[str] = set()
        for pk, code, name, postcodes in Commune.objects.values_list(
            "pk", "insee_code", "name", "postcodes"
        ):
            self.communes_by_code[code] = pk
            self.communes_by_name.setdefault(normalise_header(name), []).append((pk, code))
            self.postcodes.update(postcodes)
        self.by_siret: dict[str, Known] = {}
        self.by_rna: dict[str, Known] = {}
        for pk, name, siret, rna, imported_id in Organisation.objects.exclude(
            siret="", rna=""
        ).values_list("pk", "legal_name", "siret", "rna", "imported__id"):
            known = Known(pk=pk, name=name, imported=imported_id is not None)
            if siret:
                self.by_siret[siret] = known
            if rna:
                self.by_rna[rna] = known
        # Logins among the file's contact addresses: address -> the user's organisation id.
        self.accounts: dict[str, int | None] = {}
        emails = sorted({email.strip().lower() for email in contact_emails if email.strip()})
        for start in range(0, len(emails), LOOKUP_BATCH):
            batch = emails[start : start + LOOKUP_BATCH]
            for email, organisation_id in (
                User.objects.annotate(email_lower=Lower("email"))
                .filter(email_lower__in=batch)
                .values_list("email_lower", "organisation_id")
            ):
                self.accounts[email] = organisation_id
        self.seen_siret: dict[str, int] = {}
        self.seen_rna: dict[str, int] = {}

    def check(self, line: int, cells: dict[str, str]) -> tuple[OrganisationLine | None, list[str]]:
        """The line's normalised values, or None and its messages (in the columns' order)."""
        generic = {
            **csv_files.invisible_cells(cells, COLUMNS, multiline=MULTILINE),
            **csv_files.too_long_cells(cells, COLUMNS, CELL_LIMITS),
            **csv_files.missing_cells(cells, COLUMNS, REQUIRED_COLUMNS),
        }
        messages: dict[str, list[str]] = {name: [text] for name, text in generic.items()}
        usable = {name: value for name, value in cells.items() if name not in generic}

        def say(name: str, text: str) -> None:
            messages.setdefault(name, []).append(text)

        legal_form = self.legal_form(usable, say)
        siret, rna = self.identity(usable, legal_form, "legal_form" in generic, say)
        creation_date = self.date(usable, "creation_date", say)
        if creation_date and creation_date.year < OLDEST_YEAR:
            say("creation_date", "Vérifiez l'année de création.")
        is_non_profit = self.yes_no(usable, "is_non_profit", say)
        domains = self.domains(usable, say)
        commune_id = self.commune(usable, say)
        postcode = self.postcode(usable, say)
        public_phone = self.phone(usable, "public_phone", say)
        emails = {
            name: self.email(usable, name, say)
            for name in ("public_email", "contact_email", "representative_email")
        }
        website = self.website(usable, say)
        mobiles = {
            name: self.mobile(usable, name, say)
            for name in ("contact_mobile", "representative_mobile")
        }
        iban, bic = self.bank_details(usable, say)
        bank_validated = self.yes_no(usable, "bank_validated", say)
        convention_signed_on = self.date(usable, "convention_signed_on", say)
        rib_file = self.document(usable, "rib_file", RIB_MIME_TYPES, say)
        convention_file = self.document(usable, "convention_file", CONVENTION_MIME_TYPES, say)
        existing = self.duplicates(line, siret, rna, say)
        if emails["contact_email"]:
            self.contact_account(emails["contact_email"], existing, say)
        if messages:
            return None, [text for name in COLUMNS for text in messages.get(name, [])] + [
                text for name, texts in messages.items() if name not in COLUMNS for text in texts
            ]
        assert legal_form and creation_date and is_non_profit is not None and domains
        assert commune_id and iban and bic and convention_signed_on
        return (
            OrganisationLine(
                line=line,
                legal_name=cells["legal_name"],
                acronym=cells["acronym"],
                legal_form=legal_form,
                siret=siret,
                rna=rna,
                creation_date=creation_date,
                is_non_profit=is_non_profit,
                offers_sport="sport" in domains,
                offers_culture="culture" in domains,
                street=cells["street"],
                postcode=postcode,
                commune_id=commune_id,
                public_name=cells["public_name"],
                public_phone=public_phone,
                public_email=emails["public_email"],
                website=website,
                description=cells["description"],
                contact_name=cells["contact_name"],
                contact_email=emails["contact_email"],
                contact_mobile=mobiles["contact_mobile"],
                representative_name=cells["representative_name"],
                representative_role=cells["representative_role"],
                representative_email=emails["representative_email"],
                representative_mobile=mobiles["representative_mobile"],
                iban=iban,
                bic=bic,
                holder=cells["holder"],
                bank_validated=bool(bank_validated),
                convention_signed_on=convention_signed_on,
                convention_version=cells["convention_version"],
                rib_file=rib_file,
                convention_file=convention_file,
            ),
            [],
        )

    # One check per kind of cell: each takes the line's usable cells (those not already wrong)
    # and `say(field, message)`, and returns the normalised value ("" or None when absent or
    # wrong).

    @staticmethod
    def legal_form(cells: dict[str, str], say: Callable[[str, str], None]) -> str:
        value = cells.get("legal_form", "")
        if not value:
            return ""
        form = LEGAL_FORMS.get(normalise_header(value))
        if form is None:
            say(
                "legal_form",
                f"{label('legal_form')} vaut « {shown(value)} » : indiquez association, public, "
                "entreprise ou autre.",
            )
            return ""
        return form

    @staticmethod
    def identity(
        cells: dict[str, str], legal_form: str, form_wrong: bool, say: Callable[[str, str], None]
    ) -> tuple[str, str]:
        values = {}
        for name, clean in (("siret", clean_siret), ("rna", clean_rna)):
            values[name] = ""
            if cells.get(name):
                try:
                    values[name] = clean(cells[name])
                except ValidationError as error:
                    say(name, error.messages[0])
        siret, rna = values["siret"], values["rna"]
        if "siret" not in cells or "rna" not in cells or form_wrong:
            return siret, rna  # already said wrong
        if legal_form in NEEDS_SIRET and not cells["siret"]:
            say("siret", "Le SIRET est obligatoire pour un organisme public ou une entreprise.")
        elif legal_form and not cells["siret"] and not cells["rna"]:
            say("siret", "Indiquez le SIRET ou le numéro RNA de l'organisme.")
        return siret, rna

    @staticmethod
    def yes_no(cells: dict[str, str], name: str, say: Callable[[str, str], None]) -> bool | None:
        value = cells.get(name, "")
        if not value:
            return None
        answer = csv_files.parse_yes_no(value)
        if answer is None:
            say(name, f"{label(name)} vaut « {shown(value)} » : indiquez « oui » ou « non ».")
        return answer

    def date(
        self, cells: dict[str, str], name: str, say: Callable[[str, str], None]
    ) -> dt.date | None:
        value = cells.get(name, "")
        if not value:
            return None
        try:
            day = csv_files.parse_date(value)
        except ValueError:
            say(name, f"{label(name)} : date invalide « {shown(value)} » (attendu jj/mm/aaaa).")
            return None
        if day > self.today:
            say(name, f"{label(name)} : le {value} est dans le futur.")
            return None
        return day

    @staticmethod
    def domains(cells: dict[str, str], say: Callable[[str, str], None]) -> set[str]:
        value = cells.get("domains", "")
        if not value:
            return set()
        words = {normalise_header(word) for word in DOMAIN_SEPARATORS.split(value.lower())}
        if not words or not words <= {"sport", "culture"}:
            say(
                "domains",
                f"{label('domains')} vaut « {shown(value)} » : indiquez sport, culture ou "
                "sport+culture.",
            )
            return set()
        return words

    def commune(self, cells: dict[str, str], say: Callable[[str, str], None]) -> int | None:
        value = cells.get("commune", "")
        if not value:
            return None
        if INSEE_CODE.match(value.upper()):
            found = self.communes_by_code.get(value.upper())
            if found is None:
                say(
                    "commune", f"Le code INSEE {value} n'est pas celui d'une commune du territoire."
                )
            return found
        communes = self.communes_by_name.get(normalise_header(value), [])
        if len(communes) > 1:
            codes = ", ".join(sorted(code for _pk, code in communes))
            say(
                "commune",
                f"Plusieurs communes du territoire s'appellent « {shown(value)} » : indiquez "
                f"son code INSEE ({codes}).",
            )
            return None
        if not communes:
            say(
                "commune",
                f"« {shown(value)} » n'est pas une commune du territoire (indiquez son nom ou "
                "son code INSEE).",
            )
            return None
        return communes[0][0]

    def postcode(self, cells: dict[str, str], say: Callable[[str, str], None]) -> str:
        value = "".join(cells.get("postcode", "").split())
        if value and value not in self.postcodes:
            say(
                "postcode",
                f"Le code postal « {shown(value)} » n'est pas dans le territoire du dispositif.",
            )
            return ""
        return value

    @staticmethod
    def phone(cells: dict[str, str], name: str, say: Callable[[str, str], None]) -> str:
        value = cells.get(name, "")
        if not value:
            return ""
        try:
            return clean_french_phone(value)
        except ValidationError as error:
            say(name, f"{label(name)} : {_lowered(error.messages[0])}")
            return ""

    @staticmethod
    def mobile(cells: dict[str, str], name: str, say: Callable[[str, str], None]) -> str:
        value = cells.get(name, "")
        if not value:
            return ""
        try:
            return clean_french_mobile(value)
        except ValidationError as error:
            if error.code == "mobile_not_mobile":
                say(name, f"{label(name)} : « {shown(value)} » n'est pas un portable (06, 07…).")
            else:
                say(name, f"{label(name)} : {_lowered(error.messages[0])}")
            return ""

    @staticmethod
    def email(cells: dict[str, str], name: str, say: Callable[[str, str], None]) -> str:
        value = cells.get(name, "").lower()
        if not value:
            return ""
        try:
            validate_email(value)
        except ValidationError:
            say(name, f"{label(name)} : adresse e-mail invalide « {shown(cells[name])} ».")
            return ""
        return value

    @staticmethod
    def website(cells: dict[str, str], say: Callable[[str, str], None]) -> str:
        value = cells.get("website", "")
        if not value:
            return ""
        url = value if "://" in value else f"https://{value}"  # as Django's URLField does
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            say("website", f"{label('website')} : adresse invalide « {shown(value)} ».")
            return ""
        if len(url) > CELL_LIMITS["website"]:
            say("website", f"{label('website')} dépasse {CELL_LIMITS['website']} caractères.")
            return ""
        return url

    @staticmethod
    def bank_details(cells: dict[str, str], say: Callable[[str, str], None]) -> tuple[str, str]:
        """The wizard's rule: the IBAN with its RIB key; the BIC derived from it when the
        registry knows the bank, else the typed one (which must then be a known BIC of the
        IBAN's country). A typed BIC must at least be one."""
        iban, typed_bic = cells.get("iban", ""), cells.get("bic", "")
        bic_wrong = False
        if typed_bic:
            try:
                BIC(compact(typed_bic))
            except ValueError:
                say("bic", "Ce BIC n'est pas valide (8 ou 11 caractères, par exemple AGRIFRPP).")
                bic_wrong = True
        if not iban:
            return "", ""
        try:
            details = clean_bank_details(iban, "" if bic_wrong else typed_bic)
        except ValidationError as error:
            for name, texts in error.message_dict.items():
                if name == "iban" or not bic_wrong:
                    for text in texts:
                        say(name if name in COLUMNS else "iban", text)
            return "", ""
        return details.iban, details.bic

    def document(
        self,
        cells: dict[str, str],
        name: str,
        types: dict[str, str],
        say: Callable[[str, str], None],
    ) -> str:
        document = cells.get(name, "")
        if not document:
            return ""
        if self.archive is None:
            say(
                name,
                f"{label(name)} nomme « {shown(document)} », mais aucune archive de documents "
                "(ZIP) n'a été déposée avec le fichier.",
            )
            return ""
        if document not in self.archive:  # compared in NFC, as the archive's names
            say(name, f"{label(name)} : « {shown(document)} » est absent de l'archive.")
            return ""
        if self.archive.mime(document) not in types:
            *others, last = types.values()
            kinds = f"{', '.join(others)} ou {last}" if others else last
            say(name, f"{label(name)} : « {shown(document)} » n'est pas un fichier {kinds}.")
            return ""
        if self.archive.size(document) > self.document_limit:
            limit = megabytes(self.document_limit)
            say(name, f"{label(name)} : « {shown(document)} » dépasse {limit}.")
            return ""
        return document

    def duplicates(
        self, line: int, siret: str, rna: str, say: Callable[[str, str], None]
    ) -> Known | None:
        """Another line of the file with the same SIRET or RNA (said on the later line); the
        organisation already on the platform with the same SIRET, else RNA, if any (wrong unless
        a switch-over imported it)."""
        for name, number, seen in (("siret", siret, self.seen_siret), ("rna", rna, self.seen_rna)):
            if not number:
                continue
            if number in seen:
                say(
                    name,
                    f"Même organisme que la ligne {seen[number]} "
                    f"(même {NUMBER_NAMES[name]} {number}).",
                )
            else:
                seen[number] = line
        by_siret = self.by_siret.get(siret) if siret else None
        by_rna = self.by_rna.get(rna) if rna else None
        existing = by_siret or by_rna
        if existing is None:
            return None
        if not existing.imported:
            name = "siret" if by_siret else "rna"
            say(
                name,
                f"Cet organisme est déjà partenaire sur la plateforme : « {existing.name} » "
                f"(même {NUMBER_NAMES[name]}) : retirez cette ligne.",
            )
        elif by_rna is not None and by_rna != existing:
            say(
                "rna",
                f"Le numéro RNA {rna} est celui d'un autre organisme de la plateforme : "
                f"« {by_rna.name} ».",
            )
        return existing

    def contact_account(
        self, email: str, existing: Known | None, say: Callable[[str, str], None]
    ) -> None:
        """The contact's address is another account's login, unless it is a member of this very
        organisation (its contact claimed it after an earlier import)."""
        if email not in self.accounts:
            return
        if existing is not None and self.accounts[email] == existing.pk:
            return
        say(
            "contact_email",
            f"{label('contact_email')} : l'adresse « {shown(email)} » est déjà celle d'un autre "
            "compte de la plateforme ; indiquez une autre adresse pour ce contact.",
        )


def check_file(
    data: bytes,
    *,
    archive: DocumentArchive | None,
    progress: Callable[[int, int], None] | None = None,
    every: int = PROGRESS_EVERY,
) -> CheckResult:
    """Check every line of `data`; raises FileError when the file itself is unusable. Writes
    nothing. `progress(done, total)` is called every `every` lines and at the end."""
    records = csv_files.read_records(
        data, COLUMNS, max_lines=MAX_LINES, required=REQUIRED_COLUMNS, max_columns=MAX_COLUMNS
    )
    checker = LineChecker(
        archive=archive, contact_emails=(cells["contact_email"] for _line, cells in records)
    )
    result = CheckResult(total=len(records))
    for done, (line, cells) in enumerate(records, start=1):
        organisation_line, messages = checker.check(line, cells)
        if organisation_line is None:
            result.errors.append((line, messages))
        else:
            result.valid.append(organisation_line)
        if progress and (done % every == 0 or done == result.total):
            progress(done, result.total)
    return result
