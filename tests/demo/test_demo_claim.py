"""Issue 34: the demo holds organisations imported from the previous system (affiliated, their
bank details validated there and pending here), one unclaimed, and `manage.py demo` prints a
`CLAIM <link>` line for it, as the README says: the link opens its claim page, and each run
prints a new one (the previous link stops working)."""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

from django.core.management import call_command
from django.test import Client

from passplus.accounts.models import Role, User
from passplus.organisations.enums import BankAccountStatus, OrganisationStatus
from passplus.organisations.models import ImportedOrganisation
from passplus.organisations.switch_over.claims import unclaimed_organisations
from tests.helpers.affiliation import STRONG_PASSWORD
from tests.helpers.pages import parse_html, text_of
from tests.helpers.paths import ROOT

CLAIM_LINE = re.compile(r"^CLAIM (\S+)  # lien de création d'accès de « (.+) », organisme", re.M)


def test_the_demo_holds_imported_organisations_one_of_them_unclaimed(shared_demo: str) -> None:
    imported = list(ImportedOrganisation.objects.select_related("organisation"))
    assert len(imported) == 3
    for row in imported:
        assert row.organisation.status == OrganisationStatus.AFFILIATED
        account = row.organisation.bank_accounts.get()
        assert account.status == BankAccountStatus.PENDING and account.previously_validated
        assert row.invitation is not None and row.last_invited_at is not None
    [waiting] = unclaimed_organisations()
    assert not User.objects.filter(organisation=waiting.organisation).exists()
    claimed = [row for row in imported if row.claimed_at]
    assert len(claimed) == 2
    for row in claimed:
        member = User.objects.get(organisation=row.organisation)
        assert member.role == Role.ORGANISATION and member.email == row.contact_email
        assert f"LOGIN organisation {member.email} " in shared_demo


def test_the_claim_line_opens_the_unclaimed_organisation_s_page_as_the_readme_says(
    shared_demo: str, client: Client
) -> None:
    assert "`CLAIM <link>`" in (ROOT / "README.md").read_text()
    lines = CLAIM_LINE.findall(shared_demo)
    assert len(lines) == 1, shared_demo[-600:]
    link, name = lines[0]
    [waiting] = unclaimed_organisations().select_related("organisation")
    assert waiting.organisation.legal_name == name
    path = urlsplit(link).path
    page = client.get(path)
    assert page.status_code == 200 and name in text_of(parse_html(page), "main")

    out = io.StringIO()
    call_command("demo", stdout=out)
    [(second, _)] = CLAIM_LINE.findall(out.getvalue())
    assert second != link
    replaced = client.get(path)
    assert replaced.status_code == 410
    assert "Ce lien a été remplacé" in text_of(parse_html(replaced), "main")
    # The new link claims the organisation.
    response = client.post(
        urlsplit(second).path,
        {
            "first_name": "Nadia",
            "last_name": "Benali",
            "password1": STRONG_PASSWORD,
            "password2": STRONG_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert User.objects.filter(organisation=waiting.organisation).count() == 1
