"""Nothing secret waits in the task queue in clear (docs/design.md §5): every kind of task the code
defines is enqueued through its real code path, then no stored argument or result holds a link,
a token, a one-time code, or the text of an e-mail."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from passplus.notifications import sms
from passplus.organisations.members import member_invite
from passplus.payments.build import payment_run_build
from passplus.payments.models import PaymentRunStatus
from passplus.pupils.models import ImportJob
from tests.helpers import factories
from tests.helpers.accounts import VerifiedClient
from tests.helpers.affiliation import fill_until, rib_upload, signing_partner, step_url
from tests.helpers.backoffice import CONFIRMED
from tests.helpers.payments import payment_with_redemptions, run_in
from tests.helpers.tasks import defined_tasks, run_queued_tasks

pytestmark = pytest.mark.django_db


# Each trigger goes through the real code path (view or service) that enqueues the task.


def affiliation_invitation_and_signature_code(client: Client) -> None:
    signing_partner(client)  # the correspondent registers: invitation e-mail (link + token)
    fill_until(client, "conditions")
    response = client.post(step_url("signature"), {"action": "send"})  # SMS code
    assert response.status_code in (200, 302)


def member_invitation(client: Client) -> None:
    member = factories.UserFactory(organisation_member=True)
    member_invite(organisation=member.organisation, email="nouveau@club.example.fr", actor=member)


def bank_change_code(client: Client) -> None:
    organisation = factories.OrganisationFactory()
    factories.BankAccountFactory(organisation=organisation, validated=True)
    treasurer = factories.UserFactory(organisation_member=True, organisation=organisation)
    other = VerifiedClient()
    other.force_login(treasurer)
    other.post(
        reverse("partner:bank_details"),
        {
            "holder": "Club",
            "iban": "FR7630004000031234567890143",
            "bic": "",
            "rib_document": rib_upload(),
        },
    )
    response = other.post(reverse("partner:bank_details_confirm"), {"action": "send"})
    assert response.status_code in (200, 302)


def password_reset(client: Client) -> None:
    user = factories.UserFactory(email="parent.oubli@example.fr")
    response = Client().post(reverse("accounts:password_reset"), {"email": user.email})
    assert response.status_code == 302


def password_change_notice(client: Client) -> None:
    """A password changed from the account page: its holder is e-mailed."""
    user = factories.UserFactory(email="parent.change@example.fr")
    holder = Client()
    holder.force_login(user)
    new = "un nouveau mot de passe assez long"
    response = holder.post(
        reverse("accounts:password_change"),
        {"old_password": factories.PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302


def payment_notice(client: Client) -> None:
    organisation = factories.OrganisationFactory(representative_email="president@club.example.fr")
    factories.RedemptionFactory(organisation=organisation)  # no bank details: a notice
    payment_run_build(cut_off=timezone.now() + dt.timedelta(days=1))


def pupil_import_and_welcome(client: Client) -> None:
    year = factories.SchoolYearFactory()
    start = year.starts_on
    birth = (dt.date(start.year - 12, start.month, 1) - dt.timedelta(days=1)).strftime("%d/%m/%Y")
    header = "e-mail famille;nom du parent;prénom;nom;date de naissance;collège;classe;boursier"
    line = f"famille.import@example.fr;Claire Dupont;Léa;Dupont;{birth};Collège Paul Éluard;5e;non"
    agent = factories.UserFactory(gestionnaire=True)
    staff = VerifiedClient()
    staff.force_login(agent)
    data = f"{header}\r\n{line}".encode()
    staff.post(
        reverse("backoffice:pupil_import"),
        {"school_year": year.pk, "file": SimpleUploadedFile("eleves.csv", data, "text/csv")},
    )
    run_queued_tasks()  # the check
    job = ImportJob.objects.get()
    staff.post(reverse("backoffice:pupil_import_confirm", args=[job.pk]), {"mode": "all"})
    run_queued_tasks()  # the import, then the welcome batch, then each family's welcome


def scheduled_jobs(client: Client) -> None:
    """Every periodic job, run through the worker (the reminders e-mail families)."""
    from passplus.scheduling.jobs import JOBS
    from passplus.scheduling.tasks import job_enqueue

    year = factories.SchoolYearFactory()
    factories.WalletFactory(pupil__family__email="famille.rappel@example.fr")
    del year
    for job in JOBS:
        job_enqueue(job.name)
    run_queued_tasks()


def payment_run_prepared(client: Client) -> None:
    """A finance user's "Préparer la campagne maintenant" (an exceptional run)."""
    organisation = factories.OrganisationFactory()
    factories.BankAccountFactory(organisation=organisation, validated=True)
    factories.RedemptionFactory(
        organisation=organisation, entered_at=timezone.now() - dt.timedelta(hours=1)
    )
    finance = VerifiedClient()
    finance.force_login(factories.UserFactory(finance=True))
    finance.post(reverse("backoffice:payment_run_prepare"), {"reason": "Clôture de l'exercice"})
    run_queued_tasks()


def run_marked_paid(client: Client) -> None:
    """A finance agent's "Marquer les virements en attente comme payés" (remittance advices)."""
    run = run_in(PaymentRunStatus.SENT)
    payment = payment_with_redemptions(run)
    payment.organisation.representative_email = "tresoriere@club.example.fr"
    payment.organisation.save(update_fields=["representative_email"])
    finance = VerifiedClient()
    finance.force_login(factories.UserFactory(finance=True))
    finance.post(reverse("backoffice:payment_run_all_paid", args=[run.pk]), CONFIRMED)
    run_queued_tasks()


TRIGGERS: dict[str, Callable[[Client], None]] = {
    "passplus.scheduling.tasks.scheduled_job_run": scheduled_jobs,
    "passplus.payments.tasks.payment_run_prepare_task": payment_run_prepared,
    "passplus.payments.emails.send_remittance_advice": run_marked_paid,
    "passplus.notifications.tasks.send_email": affiliation_invitation_and_signature_code,
    "passplus.notifications.tasks.send_sms": bank_change_code,
    "passplus.accounts.tasks.password_reset_send": password_reset,
    "passplus.pupils.tasks.import_job_check": pupil_import_and_welcome,
    "passplus.pupils.tasks.import_job_run": pupil_import_and_welcome,
    "passplus.pupils.tasks.import_job_welcome": pupil_import_and_welcome,
    "passplus.pupils.tasks.family_welcome_send": pupil_import_and_welcome,
}
# Other paths that e-mail: each must leave nothing in clear either.
EXTRA_TRIGGERS = [member_invitation, payment_notice, password_change_notice]


def test_the_triggers_cover_every_kind_of_task_the_code_defines() -> None:
    assert set(TRIGGERS) == defined_tasks()


def secrets_sent() -> tuple[set[str], set[str]]:
    """(links, tokens and codes; text excerpts) of everything e-mailed or texted."""
    secrets: set[str] = set()
    excerpts: set[str] = set()
    for message in mail.outbox:
        alternatives = getattr(message, "alternatives", [])
        bodies = [message.body] + [str(alternative[0]) for alternative in alternatives]
        for body in bodies:
            for link in re.findall(r"https?://[^\s\"'<>]+", body):
                path = re.sub(r"^https?://[^/]+", "", link.rstrip(".,;:)"))
                tokens = [part for part in path.split("/") if len(part) >= 20]
                if tokens:  # a link that opens something by itself (invitation, reset)
                    secrets.update([link, path, *tokens])
        lines = [line.strip() for line in message.body.splitlines() if len(line.strip()) > 30]
        excerpts.update(lines)
        excerpts.add(message.subject)
    for text in (message.text for message in sms.outbox):
        secrets.update(re.findall(r"\b\d{6}\b", text))
        excerpts.add(text)
    return secrets, excerpts


def test_no_task_argument_or_result_holds_a_link_token_code_or_message_text(
    client: Client,
) -> None:
    triggers = list(dict.fromkeys([*TRIGGERS.values(), *EXTRA_TRIGGERS]))
    for trigger in triggers:
        trigger(client)
    run_queued_tasks()

    assert set(DBTaskResult.objects.values_list("task_path", flat=True)) >= set(TRIGGERS)
    secrets, excerpts = secrets_sent()
    links = [secret for secret in secrets if secret.startswith("/")]
    assert any("/mot-de-passe/nouveau/" in link for link in links)  # the reset was sent
    assert any("/invitation/" in link for link in links)  # so were the invitations
    assert len([s for s in secrets if re.fullmatch(r"\d{6}", s)]) >= 2  # and the SMS codes
    assert any("a été modifié" in excerpt for excerpt in excerpts)  # and a password-change notice
    for result in DBTaskResult.objects.all():
        stored = json.dumps([result.args_kwargs, result.return_value], ensure_ascii=False)
        assert settings.SITE_URL not in stored, result.task_path
        assert "/mot-de-passe/nouveau/" not in stored
        assert "/invitation/" not in stored
        for secret in secrets:
            assert secret not in stored, (result.task_path, secret)
        for excerpt in excerpts:
            assert excerpt not in stored, (result.task_path, excerpt)
