"""Back office, issue 34: the imported organisations nobody has claimed, in « À traiter » and on
their follow-up page (list with the last invitation, CSV, resend one or all: POST with CSRF,
audited), for gestionnaire and admin only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from passplus.accounts.models import Invitation, Role
from passplus.organisations.models import ImportedOrganisation
from passplus.organisations.switch_over.claims import organisation_claim
from tests.helpers.accounts import ROLE_TRAITS, VerifiedClient
from tests.helpers.affiliation import STRONG_PASSWORD
from tests.helpers.backoffice import messages_of
from tests.helpers.claims import claim_messages, imported_organisation
from tests.helpers.database import assert_unchanged, audit_trail
from tests.helpers.factories import UserFactory
from tests.helpers.pages import parse_html, read_csv, text_of
from tests.helpers.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db

LIST = reverse("backoffice:unclaimed_organisations")
CSV = reverse("backoffice:unclaimed_organisations_csv")
ALL = reverse("backoffice:claim_invitations_resend_all")


def resend(pk: int) -> str:
    return reverse("backoffice:claim_invitation_resend", args=[pk])


def claimed(imported: ImportedOrganisation) -> None:
    imported.refresh_from_db()
    assert imported.invitation is not None
    organisation_claim(
        invitation=imported.invitation, password=STRONG_PASSWORD, first_name="A", last_name="B"
    )


@pytest.fixture
def gestionnaire(client: Client) -> Any:
    user = UserFactory(gestionnaire=True)
    client.force_login(user)
    return user


@pytest.fixture
def three() -> list[ImportedOrganisation]:
    """Two waiting (one invited long ago), one claimed."""
    old = imported_organisation(legal_name="Club ancien", contact_email="ancien@club.example.org")
    ImportedOrganisation.objects.filter(pk=old.pk).update(
        last_invited_at=timezone.now() - dt.timedelta(days=40), reminders_sent=2
    )
    recent = imported_organisation(
        legal_name="Club récent", contact_email="recent@club.example.org"
    )
    done = imported_organisation(legal_name="Club réclamé", contact_email="fait@club.example.org")
    claimed(done)
    run_queued_tasks()
    mail.outbox.clear()
    return [old, recent, done]


@pytest.mark.parametrize("role", [Role.GESTIONNAIRE, Role.ADMIN])
def test_managers_see_the_unclaimed_organisations_with_their_last_invitation(
    client: Client, role: str, three: list[ImportedOrganisation]
) -> None:
    client.force_login(UserFactory(**ROLE_TRAITS[role]))
    page = client.get(LIST)
    assert page.status_code == 200
    html = parse_html(page)
    rows = [" ".join(row.get_text(" ").split()) for row in html.select("tbody tr")]
    assert len(rows) == 2
    old_day = timezone.localtime(timezone.now() - dt.timedelta(days=40))
    assert rows[0].startswith("Club ancien")  # the longest waiting first
    assert f"le {old_day:%d/%m/%Y}" in rows[0] and "2 sur 3" in rows[0]
    assert "ancien@club.example.org" in rows[0]
    assert rows[1].startswith("Club récent")
    assert f"le {timezone.localdate():%d/%m/%Y}" in rows[1]
    assert "Club réclamé" not in text_of(html, "main")
    assert "2 organismes sans accès" in text_of(html, "main")


@pytest.mark.parametrize(
    ("url", "method"),
    [(LIST, "get"), (CSV, "get"), (ALL, "post"), ("resend", "post")],
)
@pytest.mark.parametrize("role", [Role.FINANCE, Role.ORGANISATION, Role.CORRESPONDENT, Role.FAMILY])
def test_other_roles_are_refused_and_nothing_is_sent(
    role: str, url: str, method: str, three: list[ImportedOrganisation]
) -> None:
    client = VerifiedClient()
    client.force_login(UserFactory(**ROLE_TRAITS[role]))
    target = resend(three[0].pk) if url == "resend" else url
    with assert_unchanged(*three, counted=[Invitation]):
        response = getattr(client, method)(target)
    assert response.status_code == 403
    run_queued_tasks()
    assert mail.outbox == []


def test_anonymous_visitors_go_to_the_login_page(three: list[ImportedOrganisation]) -> None:
    for response in (Client().get(LIST), Client().post(resend(three[0].pk))):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_the_csv_lists_each_unclaimed_organisation_for_french_excel(
    client: Client, gestionnaire: Any, three: list[ImportedOrganisation]
) -> None:
    hostile = imported_organisation(
        legal_name='=HYPERLINK("http://x")',
        contact_name="@Dupont",
        contact_email="hostile@club.example.org",
    )
    ImportedOrganisation.objects.filter(pk=hostile.pk).update(contact_mobile="+33612345678")
    response = client.get(CSV)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "organismes-repris-sans-acces-" in response["Content-Disposition"]
    rows = read_csv(response)
    header, lines = rows[0], rows[1:]
    assert header[:3] == ["Organisme", "SIRET", "RNA"]
    assert "Dernière invitation le" in header
    by_name = {line[0]: dict(zip(header, line, strict=True)) for line in lines}
    assert set(by_name) == {"Club ancien", "Club récent", '\'=HYPERLINK("http://x")'}
    old = by_name["Club ancien"]
    assert old["E-mail du contact"] == "ancien@club.example.org"
    assert old["Contact"] == "Marie Dupont"
    assert old["Relances automatiques"] == "2 sur 3"
    old_day = timezone.localtime(timezone.now() - dt.timedelta(days=40))
    assert old["Dernière invitation le"] == f"{old_day:%d/%m/%Y}"
    assert old["État"] == "Affilié"
    attacked = by_name['\'=HYPERLINK("http://x")']
    assert attacked["Contact"] == "'@Dupont"  # neutralised: Excel never evaluates it
    assert attacked["Portable du contact"] == "06 12 34 56 78"


def test_the_page_announces_the_csv_s_format_and_size(
    client: Client, gestionnaire: Any, three: list[ImportedOrganisation]
) -> None:
    link = parse_html(client.get(LIST)).find("a", href=CSV)
    assert link is not None
    text = " ".join(link.get_text().split())
    assert text.startswith("Télécharger la liste (CSV, environ ") and text.endswith(" Ko)")


def test_resending_one_invitation_sends_a_new_link_and_is_audited(
    client: Client, gestionnaire: Any, three: list[ImportedOrganisation]
) -> None:
    old = three[0]
    previous = Invitation.objects.get(pk=ImportedOrganisation.objects.get(pk=old.pk).invitation_id)
    response = client.post(resend(old.pk))
    assert response.status_code == 302 and response["Location"] == LIST
    assert "Invitation renvoyée à ancien@club.example.org" in messages_of(client.get(LIST))[0]
    [message] = claim_messages()
    assert message.to == ["ancien@club.example.org"]
    previous.refresh_from_db()
    assert previous.revoked_at is not None
    old.refresh_from_db()
    assert old.last_invited_at is not None
    assert timezone.now() - old.last_invited_at < dt.timedelta(minutes=1)
    assert audit_trail(old.organisation)[-1] == ("organisation.claim_invite", gestionnaire.pk)


def test_resending_to_a_claimed_organisation_is_refused_with_a_message(
    client: Client, gestionnaire: Any, three: list[ImportedOrganisation]
) -> None:
    done = three[2]
    with assert_unchanged(done, counted=[Invitation]):
        response = client.post(resend(done.pk), follow=True)
    assert "L'accès de cet organisme a déjà été créé" in messages_of(response)[0]
    assert claim_messages() == []
    assert client.post(resend(999_999)).status_code == 404
    assert client.get(resend(three[0].pk)).status_code == 405


def test_resend_all_writes_to_each_unclaimed_organisation_and_is_audited(
    client: Client, gestionnaire: Any, three: list[ImportedOrganisation]
) -> None:
    response = client.post(ALL, follow=True)
    assert "vers 2 organismes" in messages_of(response)[0]
    assert sorted(message.to[0] for message in claim_messages()) == [
        "ancien@club.example.org",
        "recent@club.example.org",
    ]
    assert audit_trail(gestionnaire) == [("organisation.claim_invite_all", gestionnaire.pk)]


def test_the_resend_forms_need_the_csrf_token(three: list[ImportedOrganisation]) -> None:
    client = VerifiedClient(enforce_csrf_checks=True)
    client.force_login(UserFactory(gestionnaire=True))
    with assert_unchanged(*three, counted=[Invitation]):
        assert client.post(resend(three[0].pk)).status_code == 403
        assert client.post(ALL).status_code == 403
    page = parse_html(client.get(LIST))
    forms = page.select("main form[method=post]")
    assert len(forms) == 3  # « Renvoyer à tous » and one per organisation
    assert all(form.select_one("input[name=csrfmiddlewaretoken]") for form in forms)


def test_the_review_queue_lists_the_unclaimed_organisations_for_managers(
    client: Client, gestionnaire: Any, three: list[ImportedOrganisation]
) -> None:
    page = parse_html(client.get(reverse("backoffice:review_queue")))
    assert text_of(page, "#sans-acces") == "Organismes repris sans accès (2)"
    heading = page.select_one("#sans-acces")
    assert heading is not None
    listed = [" ".join(item.get_text(" ").split()) for item in heading.find_next("ul").select("li")]
    day = timezone.localtime(timezone.now() - dt.timedelta(days=40))
    assert listed == [
        f"Club ancien : dernière invitation le {day:%d/%m/%Y} (ancien@club.example.org)",
        f"Club récent : dernière invitation le {timezone.localdate():%d/%m/%Y} "
        "(recent@club.example.org)",
    ]
    assert page.find("a", href=LIST) is not None

    finance = VerifiedClient()
    finance.force_login(UserFactory(finance=True))
    shown = text_of(parse_html(finance.get(reverse("backoffice:review_queue"))), "main")
    assert "Organismes repris sans accès" not in shown  # nothing they may act on


def test_the_reminders_are_a_job_of_the_scheduled_tasks_page(
    client: Client, gestionnaire: Any
) -> None:
    text = text_of(parse_html(client.get(reverse("backoffice:scheduled_jobs"))), "main")
    assert "Relances des organismes repris sans accès" in text
    assert "trois fois au plus" in text
