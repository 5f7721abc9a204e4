"""The demo partner organisations' identity and public directory card (fictitious, deterministic).

Every listed demo organisation has a full card (contact, phone, e-mail, website), so the
directory, its organisation pages and its open data show every field. Websites and e-mail
addresses use the reserved `example.org` domain (RFC 2606): nothing real is ever linked to.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.text import slugify

from passplus.core.enums import Domain
from passplus.demo.data import FIRST_NAMES, LAST_NAMES, demo_siret
from passplus.organisations.enums import LegalForm
from passplus.territory.models import Commune

# Little words left out of the demo website names.
ELIDED = {"d", "de", "l"}
# Who answers the public phone, by organisation (cycled).
PUBLIC_CONTACTS = ["Accueil", "Secrétariat", "Bureau de l'association", "Responsable jeunes"]
# What families read on the card, by domain (cycled), completing "<kind> …".
DESCRIPTIONS = {
    Domain.SPORT: [
        "Entraînements le mercredi après-midi et le samedi matin, compétitions pour ceux qui le "
        "souhaitent.",
        "Cours par niveau, du débutant au confirmé ; matériel prêté la première année.",
    ],
    Domain.CULTURE: [
        "Cours hebdomadaires en petits groupes et un spectacle de fin d'année.",
        "Ateliers le mercredi et le samedi, ouverts aux débutants.",
    ],
}


def demo_public_phone(index: int) -> str:
    """A landline in the Hauts-de-Seine format (01 47 …), different for each organisation."""
    return f"01 47 {(index * 7) % 90 + 10:02d} {(index * 13) % 90 + 10:02d} {index % 90 + 10:02d}"


def demo_website(name: str) -> str:
    """https://judo-club-sceaux.example.org/ for 'Judo Club de Sceaux', as clubs name them."""
    words = slugify(name.replace("'", " ")).split("-")
    return f"https://{'-'.join(w for w in words if w not in ELIDED)}.example.org/"


def organisation_fields(
    *, index: int, name: str, kind: str, domain: str, commune: Commune
) -> dict[str, Any]:
    """The fields of demo organisation number `index` (an association, or a company for a few),
    legal identity, public card and legal representative."""
    commercial = index % 11 == 7
    site = demo_website(name)
    host = site.removeprefix("https://").rstrip("/")
    description = DESCRIPTIONS[Domain(domain)][index % 2]
    return {
        "legal_name": name.upper() if not commercial else f"{name} SARL",
        "public_name": name,
        "acronym": "",
        "legal_form": LegalForm.COMPANY if commercial else LegalForm.ASSOCIATION,
        "rna": "" if commercial else f"W92{1000000 + index:07d}",
        "siret": demo_siret(index) if commercial else "",
        "creation_date": dt.date(1990 + index % 30, 1 + index % 12, 1),
        "is_non_profit": not commercial,
        "eligibility_justification": (
            "Stages en lien avec le programme d'éducation physique." if commercial else ""
        ),
        "offers_sport": domain == Domain.SPORT,
        "offers_culture": domain == Domain.CULTURE,
        "commune": commune,
        "description": f"{kind} ouvert aux collégiens de 11 à 15 ans. {description}",
        "street": f"{10 + index} rue de la République",
        "postcode": commune.postcodes[0],
        "city": commune.name,
        "public_contact_name": PUBLIC_CONTACTS[index % len(PUBLIC_CONTACTS)],
        "public_phone": demo_public_phone(index),
        "public_email": f"contact@{host}",
        "website": site,
        "representative_name": f"{FIRST_NAMES[index % 24]} {LAST_NAMES[index % 24]}",
        "representative_role": "Gérant(e)" if commercial else "Président(e)",
        "representative_email": f"president@{host}",
        "representative_mobile": f"+3361234{index:04d}",
    }
