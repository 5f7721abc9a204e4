"""Every kind of task the code defines, enqueued through its real code path (a view or a
service), each by a trigger that takes the test's client: used by the tests that walk every task
(tests/notifications/test_task_queue_secrets.py, test_message_ids.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from passplus.organisations.members import member_invite
from passplus.organisations.models import OrganisationImportMode
from passplus.organisations.switch_over.claims import claim_invitations_resend_all
from passplus.organisations.switch_over.requests import (
    organisation_import_request,
    organisation_import_upload,
)
from passplus.payments.build import payment_run_build
from passplus.payments.models import PaymentRunStatus
from passplus.pupils.models import ImportJob
from tests.helpers import factories
from tests.helpers.accounts import VerifiedClient
from tests.helpers.affiliation import fill_until, rib_upload, signing_partner, step_url
from tests.helpers.backoffice import CONFIRMED
from tests.helpers.claims import imported_organisation
from tests.helpers.payments import payment_with_redemptions, run_in
from tests.helpers.switch_over import organisation_csv
from tests.helpers.tasks import run_queued_tasks

# Each trigger goes through the real code path (view or service) that enqueues the task.


def affiliation_invitation_and_signature_code(client: Client) -> None:
    signing_partner(client)  # the correspondent registers: invitation e-mail (link + token)
    fill_until(client, "conditions")
    response = client.post(step_url("signature"), {"action": "send"})  # SMS code
    assert response.status_code in (200, 302)


def member_invitation(client: Client) -> None:
    member = factories.UserFactory(organisation_member=True)
    member_invite(organisation=member.organisation, email="nouveau@club.example.fr", actor=member)


def claim_invitations_resent(client: Client) -> None:
    """« Renvoyer à tous » for the imported organisations not yet claimed."""
    imported_organisation(contact_email="reprise@club.example.fr")
    claim_invitations_resend_all(actor=factories.UserFactory(gestionnaire=True))


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


def organisation_import(client: Client) -> None:
    """A switch-over file uploaded, checked, then imported (its contacts' claim e-mails)."""
    agent = factories.UserFactory(gestionnaire=True)
    job = organisation_import_upload(
        upload=SimpleUploadedFile("organismes.csv", organisation_csv(1, start=7000)), actor=agent
    )
    run_queued_tasks()  # the check
    job.refresh_from_db()
    organisation_import_request(job=job, mode=OrganisationImportMode.ALL, actor=agent)
    run_queued_tasks()  # the import, then its invitations, then the claim e-mail


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
    "passplus.organisations.tasks.organisation_import_check": organisation_import,
    "passplus.organisations.tasks.organisation_import_run": organisation_import,
    "passplus.organisations.tasks.organisation_import_invite": organisation_import,
    "passplus.organisations.switch_over.claims.claim_invitations_resend": (
        claim_invitations_resent
    ),
}
# Other paths that e-mail: each must leave nothing in clear either.
EXTRA_TRIGGERS = [member_invitation, payment_notice, password_change_notice]
