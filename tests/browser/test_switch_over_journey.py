"""Issue 34's journey, end to end through the real pages and the real background tasks: a
gestionnaire checks a generated file of 200 organisations with planted errors on « Reprise des
organismes » (the report names each planted line and nothing else), imports the valid lines
explicitly, imports the same file again (nothing changes), then a later file that changes one
organisation's public phone (applied) and its IBAN (listed « coordonnées différentes », not
applied); finally one contact claims the account from the invitation e-mail's link in Chromium
at 360 px (axe-core clean) and lands in the partner space. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from passplus.accounts.models import Invitation, InvitationPurpose, User
from passplus.audit.models import AuditEvent
from passplus.organisations.models import (
    BankAccount,
    ImportedOrganisation,
    Organisation,
    OrganisationImport,
    OrganisationImportStatus,
)
from tests.helpers.accounts import log_in_new_user
from tests.helpers.affiliation import STRONG_PASSWORD
from tests.helpers.browser import PageChecks
from tests.helpers.claims import claim_path
from tests.helpers.pages import parse_html
from tests.helpers.switch_over import (
    bic_of_iban,
    organisation_csv,
    organisation_row,
    valid_iban,
)
from tests.helpers.tasks import run_queued_tasks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

S = OrganisationImportStatus
LINES = 200
CHANGED_LINE = 10  # a valid line with a public phone (the one a later file changes)
CLAIMED_LINE = 2
NEW_PHONE = "02 40 11 22 33"
NEW_IBAN = valid_iban(9_999)


def lines_where(test: Callable[[dict[str, str]], bool]) -> Iterator[int]:
    return (line for line in range(2, LINES + 2) if test(organisation_row(line)))


def planted_errors() -> dict[int, dict[str, str]]:
    """One wrong cell on each of a few lines, and a line repeating an earlier organisation."""
    first, second = list(lines_where(lambda row: bool(row["rna"]) and not row["siret"]))[5:7]
    return {
        31: {"iban": "FR7630004000010000000003100"},  # a wrong key
        47: {"commune": "Paris"},  # not a commune of the territory
        88: {"creation_date": "31/02/2001"},
        123: {"contact_email": "marie.durand@"},
        164: {"contact_mobile": "01 47 00 00 00"},  # not a mobile
        199: {"domains": "football"},
        second: {"rna": organisation_row(first)["rna"]},  # the same association twice
    }


def upload_and_check(client: Client, data: bytes) -> OrganisationImport:
    response = client.post(
        reverse("backoffice:organisation_import"),
        {"file": SimpleUploadedFile("organismes.csv", data, "text/csv")},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    run_queued_tasks()
    job = OrganisationImport.objects.latest("pk")
    assert response["Location"] == reverse("backoffice:organisation_import_job", args=[job.pk])
    return job


def job_page(client: Client, job: OrganisationImport) -> Any:
    response: Any = client.get(reverse("backoffice:organisation_import_job", args=[job.pk]))
    assert response.status_code == 200
    return parse_html(response)


def reported_lines(client: Client, job: OrganisationImport) -> list[int]:
    rows = job_page(client, job).select("#erreurs ~ .table-wrap tbody tr")
    return sorted(int(row.th.get_text()) for row in rows)


def buttons(client: Client, job: OrganisationImport) -> list[str]:
    shown = job_page(client, job).select("main button")
    return [" ".join(button.get_text().split()) for button in shown]


def import_valid_lines(client: Client, job: OrganisationImport) -> None:
    response = client.post(
        reverse("backoffice:organisation_import_confirm", args=[job.pk]), {"mode": "valid_only"}
    )
    assert response.status_code == 302
    run_queued_tasks()  # the import, then the claim invitations it queued
    job.refresh_from_db()
    assert job.status == S.IMPORTED, (job.status, job.file_error)


def state() -> dict[str, Any]:
    """What an import may change, the import jobs' own records apart."""
    return {
        "organisations": list(Organisation.objects.order_by("pk").values()),
        "bank accounts": list(BankAccount.objects.order_by("pk").values()),
        "imported": list(
            ImportedOrganisation.objects.order_by("pk").values_list(
                "pk", "organisation_id", "source_id", "invitation_id", "last_invited_at"
            )
        ),
        "invitations": Invitation.objects.count(),
        "audit": AuditEvent.objects.exclude(action__startswith="organisation_import.").count(),
        "e-mails": len(mail.outbox),
    }


def test_a_departement_switches_over_and_a_contact_claims_the_account(
    live_server: Any, page: Any, axe_violations: Any, client: Client
) -> None:
    planted = planted_errors()
    assert len(planted) == 7
    staff = log_in_new_user(client)
    data = organisation_csv(LINES, planted=planted)
    valid_count = LINES - len(planted)

    # 1. The check: the report names each planted line and nothing else; nothing imported.
    job = upload_and_check(client, data)
    assert job.status == S.INVALID and job.total_lines == LINES
    assert reported_lines(client, job) == sorted(planted)
    assert not Organisation.objects.exists()
    assert buttons(client, job) == [f"Importer les {valid_count} lignes valides"]

    # 2. The valid lines, explicitly: each an affiliated organisation, its bank details pending
    # and entered by the importer, its contact invited to claim it.
    import_valid_lines(client, job)
    assert job.created_organisations == valid_count
    assert job.updated_organisations == job.unchanged_organisations == 0
    assert Organisation.objects.count() == valid_count
    assert set(Organisation.objects.values_list("status", flat=True)) == {"affiliated"}
    assert sorted(ImportedOrganisation.objects.values_list("line", flat=True)) == sorted(
        set(range(2, LINES + 2)) - set(planted)
    )
    assert BankAccount.objects.filter(status="pending", entered_by=staff).count() == valid_count
    assert (
        Invitation.objects.filter(purpose=InvitationPurpose.CLAIM, used_at__isnull=True).count()
        == valid_count
    )
    assert reported_lines(client, job) == sorted(planted)  # « Lignes laissées de côté »
    before = state()

    # 3. The same file again: nothing changes (no organisation, bank account, audit entry,
    # invitation or e-mail more; every line unchanged).
    again = upload_and_check(client, data)
    assert reported_lines(client, again) == sorted(planted)
    import_valid_lines(client, again)
    assert (again.created_organisations, again.updated_organisations) == (0, 0)
    assert again.unchanged_organisations == valid_count
    assert again.bank_differences == []
    assert state() == before

    # 4. A later file: one organisation's public phone and IBAN changed. The phone is applied;
    # the IBAN is listed as « coordonnées différentes », the bank account untouched.
    changed = ImportedOrganisation.objects.get(line=CHANGED_LINE, source=job).organisation
    account_before = BankAccount.objects.get(organisation=changed)
    assert changed.public_phone and account_before.iban != NEW_IBAN
    later = upload_and_check(
        client,
        organisation_csv(
            LINES,
            planted={
                **planted,
                CHANGED_LINE: {
                    "public_phone": NEW_PHONE,
                    "iban": NEW_IBAN,
                    "bic": bic_of_iban(NEW_IBAN),
                },
            },
        ),
    )
    import_valid_lines(client, later)
    assert (later.created_organisations, later.updated_organisations) == (0, 1)
    changed.refresh_from_db()
    assert changed.public_phone == "+33240112233"
    assert list(BankAccount.objects.filter(organisation=changed).values()) == [
        BankAccount.objects.filter(pk=account_before.pk).values().get()
    ]
    assert BankAccount.objects.get(organisation=changed).iban == account_before.iban
    assert BankAccount.objects.count() == valid_count
    assert [(row["line"], row["organisation_id"]) for row in later.bank_differences] == [
        (CHANGED_LINE, changed.pk)
    ]
    shown = job_page(client, later)
    heading = shown.select_one("#coordonnees-differentes")
    assert heading is not None
    assert heading.get_text() == "Coordonnées différentes : à faire confirmer par l'organisme"
    table = heading.find_next(class_="table-wrap")
    assert table is not None
    assert [row.th.get_text() for row in table.select("tbody tr")] == [str(CHANGED_LINE)]

    # 5. A contact claims the account from the invitation e-mail, in a phone's browser.
    claimed = ImportedOrganisation.objects.select_related("organisation").get(
        line=CLAIMED_LINE, source=job
    )
    contact = claimed.contact_email.lower()
    messages = [
        message
        for message in mail.outbox
        if "déjà partenaire" in message.subject and message.to[0].lower() == contact
    ]
    assert len(messages) == 1, [message.to for message in messages]
    checks = PageChecks(page, axe_violations, 360)
    page.goto(live_server.url + claim_path(messages[0]))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Votre organisme est déjà partenaire : créez votre accès"
    )
    expect(page.locator("main")).to_contain_text(claimed.organisation.legal_name)
    checks.check("création de l'accès")
    page.get_by_label("Mot de passe", exact=True).fill(STRONG_PASSWORD)
    page.get_by_label("Confirmez le mot de passe").fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Créer mon accès").click()
    page.wait_for_url(f"{live_server.url}/espace-affilie/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Espace affilié")
    expect(page.locator("main")).to_contain_text("Votre accès est créé")
    checks.check("espace affilié")
    checks.assert_clean()

    user = User.objects.get(organisation=claimed.organisation)
    assert user.email.lower() == contact
    claimed.refresh_from_db()
    assert claimed.claimed_at is not None
    assert ImportedOrganisation.objects.unclaimed().count() == valid_count - 1
