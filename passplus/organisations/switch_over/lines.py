"""The switch-over file's columns and one checked line: what checking.py produces and
applying.py consumes. Every value is already normalised (SIRET digits, E.164 mobiles,
compact IBAN, commune resolved); nothing here touches the database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# field -> (header as documented in docs/switch-over.md, other accepted spellings once
# normalised by passplus.core.csv_files.normalise_header)
COLUMNS: dict[str, tuple[str, set[str]]] = {
    "legal_name": ("nom", {"raison sociale", "nom de l organisme"}),
    "acronym": ("sigle", set()),
    "legal_form": ("forme juridique", {"forme"}),
    "siret": ("siret", set()),
    "rna": ("rna", {"numero rna"}),
    "creation_date": ("date de création", {"date creation"}),
    "is_non_profit": ("à but non lucratif", {"but non lucratif", "non lucratif"}),
    "domains": ("domaines", {"domaine"}),
    "street": ("adresse", set()),
    "postcode": ("code postal", {"cp"}),
    "commune": ("commune", {"ville", "code insee"}),
    "public_name": ("nom affiché", {"nom affiche"}),
    "public_phone": ("téléphone public", {"telephone"}),
    "public_email": ("courriel public", {"e mail public", "email public"}),
    "website": ("site internet", {"site web", "site"}),
    "description": ("description", set()),
    "contact_name": ("contact nom", {"nom du contact"}),
    "contact_email": ("contact courriel", {"contact e mail", "contact email"}),
    "contact_mobile": ("contact mobile", {"contact portable"}),
    "representative_name": ("représentant nom", {"representant"}),
    "representative_role": ("représentant qualité", {"representant qualite"}),
    "representative_email": (
        "représentant courriel",
        {"representant e mail", "representant email"},
    ),
    "representative_mobile": ("représentant mobile", {"representant portable"}),
    "iban": ("iban", set()),
    "bic": ("bic", set()),
    "holder": ("titulaire du compte", {"titulaire"}),
    "bank_validated": ("coordonnées validées", {"coordonnees bancaires validees"}),
    "convention_signed_on": ("convention signée le", {"date de signature"}),
    "convention_version": ("version de convention", {"version convention"}),
    "rib_file": ("fichier rib", {"rib"}),
    "convention_file": ("fichier convention", set()),
}
# Columns a file must have (a line may still leave some of the others empty).
REQUIRED_COLUMNS = (
    "legal_name",
    "legal_form",
    "creation_date",
    "is_non_profit",
    "domains",
    "commune",
    "contact_name",
    "contact_email",
    "iban",
    "bic",
    "holder",
    "convention_signed_on",
)


@dataclass(frozen=True)
class OrganisationLine:
    """One valid line of the file, normalised."""

    line: int  # its number in the file (the header is line 1)
    legal_name: str
    acronym: str
    legal_form: str  # passplus.organisations.enums.LegalForm value
    siret: str  # 14 digits, or ""
    rna: str  # W + 9 characters, or ""
    creation_date: dt.date
    is_non_profit: bool
    offers_sport: bool
    offers_culture: bool
    street: str
    postcode: str
    commune_id: int  # a commune of the territory
    public_name: str
    public_phone: str  # E.164, or ""
    public_email: str
    website: str
    description: str
    contact_name: str
    contact_email: str  # lower case
    contact_mobile: str  # E.164 French mobile, or ""
    representative_name: str
    representative_role: str
    representative_email: str
    representative_mobile: str  # E.164 French mobile, or ""
    iban: str  # compact, upper case, checked (validate_bban)
    bic: str
    holder: str
    bank_validated: bool  # the previous system had checked the bank details
    convention_signed_on: dt.date
    convention_version: str
    rib_file: str  # a name in the documents archive, or ""
    convention_file: str  # a name in the documents archive, or ""

    @property
    def identity(self) -> tuple[str, str]:
        """How the organisation is recognised, in the file and against existing ones: its
        SIRET, else its RNA."""
        return ("siret", self.siret) if self.siret else ("rna", self.rna)
