"""Building blocks of the affiliation tests: valid inputs for each form, a correspondent who
registers an organisation, the invitation link read from the e-mail, the wizard filled in."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from passplus.accounts.models import User
from passplus.notifications import sms
from tests.helpers.accounts import VerifiedClient
from tests.helpers.factories import ConventionVersionFactory, UserFactory, commune
from tests.helpers.tasks import run_queued_tasks

STRONG_PASSWORD = "Raquette-Bleue-2026"
VALID_SIRET = "73282932000074"
LA_POSTE_SIRET = "35600000000048"
VALID_IBAN = "FR76 3000 6000 0112 3456 7890 189"
# A French IBAN whose international check digits are right but whose RIB key is wrong.
IBAN_WRONG_RIB_KEY = "FR0630006000011234567890188"
# A valid French IBAN of a bank whose BIC the registry cannot derive: the BIC must be typed.
IBAN_WITHOUT_DERIVABLE_BIC = "FR7644729000011234567890118"
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


def identification_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "legal_name": "Union sportive de Nanterre",
        "acronym": "USN",
        "legal_form": "association",
        "siret": "",
        "rna": "W921234567",
        "creation_date": "2015-09-01",
        "commune": commune("92050").pk,
        "offers_sport": "on",
        "description": "Football et athlétisme pour les 11-15 ans.",
        "contact_name": "Jeanne Martin",
        "contact_email": "jeanne.martin@usn.example.fr",
        "contact_phone": "01 47 00 00 00",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def correspondent_of(*insee_codes: str) -> User:
    user = UserFactory(correspondent=True)
    user.communes.set([commune(code) for code in insee_codes or ("92050",)])
    return user


def register(client: Client, **overrides: Any) -> Any:
    return client.post(reverse("correspondent:register"), identification_data(**overrides))


def invitation_link() -> str:
    """Send the queued e-mails and return the invitation link of the last one."""
    run_queued_tasks()
    assert mail.outbox, "no e-mail was sent"
    match = re.search(r"https?://\S+/espace-affilie/invitation/\S+/", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(0)


def path_of(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)


def account_data(**overrides: Any) -> dict[str, str]:
    return {
        "first_name": "Jeanne",
        "last_name": "Martin",
        "password1": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
        **overrides,
    }


def eligibility_data(**overrides: Any) -> dict[str, str]:
    return {"non_profit": "yes", "secularism": "on", "equal_access": "on", **overrides}


def contact_data(**overrides: Any) -> dict[str, str]:
    return {
        "public_name": "US Nanterre",
        "street": "12 rue des Sports",
        "postcode": "92000",
        "city": "Nanterre",
        "public_contact_name": "Jeanne Martin",
        "public_phone": "01 47 00 00 00",
        "public_email": "contact@usn.example.fr",
        "website": "https://usn.example.fr",
        "representative_name": "Paul Durand",
        "representative_role": "Président",
        "representative_email": "president@usn.example.fr",
        "representative_mobile": "06 12 34 56 78",
        **overrides,
    }


def rib_upload(content: bytes = PDF_BYTES, name: str = "rib.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def bank_data(**overrides: Any) -> dict[str, Any]:
    return {
        "holder": "Union sportive de Nanterre",
        "iban": VALID_IBAN,
        "bic": "",
        "rib_document": rib_upload(),
        **overrides,
    }


def step_url(slug: str) -> str:
    return reverse("partner:affiliation_step", args=[slug])


def post_step(client: Client, slug: str, data: dict[str, Any]) -> Any:
    return client.post(step_url(slug), data)


def fill_until(client: Client, last: str) -> None:
    """Fill every step up to `last` (included) with valid data."""
    steps = [
        ("eligibilite", eligibility_data),
        ("coordonnees", contact_data),
        ("banque", bank_data),
        ("recapitulatif", dict),
        (
            "conditions",
            lambda: {"accept_rules": "on", "accept_terms": "on"},
        ),
    ]
    for slug, data in steps:
        response = post_step(client, slug, data())
        assert response.status_code == 302, (slug, response.content.decode()[:2000])
        if slug == last:
            return


def signing_partner(client: Client, *, creation_date: str = "2015-09-01") -> User:
    """A correspondent registers an organisation; its contact accepts the invitation and is
    logged in on `client` (its organisation is now `signing`)."""
    ConventionVersionFactory()
    staff_client = VerifiedClient()
    staff_client.force_login(correspondent_of("92050"))
    response = register(staff_client, creation_date=creation_date)
    assert response.status_code == 302, response.content.decode()[:3000]
    link = invitation_link()
    response = client.post(path_of(link), account_data())
    assert response.status_code == 302, response.content.decode()[:3000]
    return User.objects.get(email="jeanne.martin@usn.example.fr")


def last_sms_code() -> str:
    run_queued_tasks()
    assert sms.outbox, "no SMS was sent"
    match = re.search(r"\b(\d{6})\b", sms.outbox[-1].text)
    assert match, sms.outbox[-1].text
    return match.group(1)


def today_minus_years(years: int, days: int = 0) -> str:
    today = dt.date.today()
    return (today.replace(year=today.year - years) - dt.timedelta(days=days)).isoformat()


def exe_bytes() -> bytes:
    """The first bytes of a Windows executable (MZ header)."""
    buffer = io.BytesIO()
    buffer.write(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00")
    buffer.write(b"\x00" * 300)
    return buffer.getvalue()


def profile_data(organisation: Any, **overrides: Any) -> dict[str, Any]:
    commune = organisation.commune
    data: dict[str, Any] = {
        "public_name": "Club Omnisports de Test",
        "street": "1 rue du Stade",
        "postcode": commune.postcodes[0],
        "city": commune.name,
        "public_contact_name": "Jeanne Martin",
        "public_phone": "01 23 45 67 89",
        "public_email": "contact@club.example.fr",
        "website": "https://club.example.fr",
        "description": "Football pour tous.",
        "listed_in_directory": "on",
        "activites-TOTAL_FORMS": "1",
        "activites-INITIAL_FORMS": "0",
        "activites-MIN_NUM_FORMS": "0",
        "activites-MAX_NUM_FORMS": "30",
        "activites-0-name": "Football U13",
        "activites-0-domain": "sport",
        "activites-0-activity_type": "Football",
        "activites-0-place": "Stade municipal",
        "activites-0-min_age": "11",
        "activites-0-max_age": "13",
        "activites-0-description": "",
    }
    data.update(overrides)
    return data
