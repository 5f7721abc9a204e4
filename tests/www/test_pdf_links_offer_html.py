"""Every PDF offered has its HTML version beside it (RGAA 13.3, issue 32): our PDFs are
untagged (reportlab cannot tag them), so wherever a page offers one, the link to the page that
holds its text is in the same paragraph, list item, cell or group of actions, unless the page
is that version itself. The signed convention's page offered its PDF alone while its text was
published at /aide/convention/<version>/.

Each role's pages are crawled on the demo data; each link whose name announces a PDF is matched
to its HTML version below. A partner's uploaded RIB is the partner's own evidence, not a
document the site publishes: its page shows what it holds (holder, masked IBAN) and it has no
other version."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup, Tag
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import resolve

from passplus.accounts.models import Role, User
from tests.helpers import factories
from tests.helpers.accounts import VerifiedClient
from tests.helpers.crawl import crawl
from tests.helpers.pages import parse_html

# The route of each PDF -> the route of the page that holds its text.
HTML_VERSION = {
    "partner:convention_pdf": "public:convention_version",
    "backoffice:convention_pdf": "public:convention_version",
    "partner:payment_advice": "partner:payment",
    "family:ticket_pdf": "family:ticket",
    "public:identification_form_pdf": "public:identification_form",
}
# Evidence brought from elsewhere, not documents the site publishes: a partner's RIB, and the
# convention an imported organisation signed in the previous system (issue 34; its page states
# its date and version, and that it is not sealed here).
UPLOADED = {
    "backoffice:bank_account_rib",
    "backoffice:previous_convention_pdf",
    "partner:previous_convention_pdf",
}
# The smallest element that holds a link and what sits beside it.
CONTEXT = ("p", "li", "td", "dd", "div")


def route(url: str) -> str:
    return resolve(urlsplit(url).path).view_name


def context_of(link: Tag) -> Tag | None:
    """The paragraph, item, cell or group around `link`; an item of a row's list of actions
    stands for the whole cell (its siblings are the row's other actions)."""
    for parent in link.parents:
        if parent.name in CONTEXT and not (
            parent.name == "li" and "cell-actions" in (parent.parent.get("class") or [])
        ):
            return parent
    return None


def pdfs_without_html(url: str, html: BeautifulSoup) -> list[str]:
    """The PDF links of the page at `url` with no link to their HTML version beside them."""
    page_route = route(url)
    missing = []
    for link in html.select("main a[href]"):
        name = " ".join(str(link.get("aria-label") or link.get_text(" ", strip=True)).split())
        target = urljoin(url, str(link["href"]))
        if urlsplit(target).netloc not in ("", "testserver") or "PDF" not in name:
            continue
        pdf = route(target)
        if pdf in UPLOADED:
            continue
        version = HTML_VERSION.get(pdf)
        if version is None:
            missing.append(f"{urlsplit(url).path}: {name!r} ({pdf}) has no known HTML version")
            continue
        if version == page_route:
            continue  # this page is the HTML version
        around = context_of(link)
        beside = [
            other
            for other in (around.select("a[href]") if around is not None else [])
            if urlsplit(urljoin(url, str(other["href"]))).netloc in ("", "testserver")
            and route(urljoin(url, str(other["href"]))) == version
        ]
        if not beside:
            missing.append(f"{urlsplit(url).path}: {name!r} without a link to {version}")
    return missing


@pytest.mark.parametrize("role", [*Role.values, "anonymous"])
def test_every_pdf_offered_has_its_html_version_beside_it(shared_demo: str, role: str) -> None:
    client = VerifiedClient()
    start = "/"
    if role != "anonymous":
        client.force_login(User.objects.filter(role=role, is_active=True).order_by("pk").first())
        start = client.get("/compte/")["Location"]
    offered: list[str] = []
    missing: list[str] = []

    def read(url: str, html: BeautifulSoup) -> None:
        offered.extend(
            url for link in html.select("main a[href]") if "PDF" in link.get_text(" ", strip=True)
        )
        missing.extend(pdfs_without_html(url, html))

    crawl(client, start, on_page=read)

    assert offered  # the identification form at least, on the help pages every role reaches
    assert missing == [], "\n".join(missing)


@pytest.mark.django_db
def test_the_signed_convention_page_links_its_text_beside_its_pdf() -> None:
    """The page the issue found: /espace-affilie/conventions/<id>/."""
    convention = factories.ConventionFactory(signed=True)
    client = VerifiedClient()
    client.force_login(
        factories.UserFactory(organisation_member=True, organisation=convention.organisation)
    )
    url = f"/espace-affilie/conventions/{convention.pk}/"

    html = parse_html(client.get(url))

    assert html.select("main a[href$='/pdf/']")  # the PDF is offered
    assert pdfs_without_html(url, html) == []


@pytest.mark.django_db
def test_the_e_mails_carrying_a_pdf_link_its_html_version() -> None:
    """The signed convention and the remittance advice go out as attachments: their e-mails
    give the address of the page that holds the same text."""
    convention = factories.ConventionFactory(signed=True)
    payment = factories.PaymentFactory(paid=True)
    common = {"scheme_name": "Pass+", "contact_email": "contact@example.fr"}

    signed = {
        **common,
        "organisation": convention.organisation,
        "convention": convention,
        "signed_at": convention.signed_at,
        "space_url": "https://passplus.example.fr/espace-affilie/",
    }
    paid = {**common, "payment": payment, "cut_off": payment.run.cut_off}
    text = f"{settings.SITE_URL}/aide/convention/{convention.version.label}/"

    assert text in render_to_string("conventions/emails/signed.txt", signed)
    assert f'href="{text}"' in render_to_string("conventions/emails/signed.html", signed)
    assert f"{settings.SITE_URL}/espace-affilie/remboursements/{payment.pk}/" in (
        render_to_string("payments/emails/paid.txt", paid)
    )
