"""Retention (RGPD): school years closed for longer than the retention have their pupils and
families anonymised (names, e-mails, birth dates, family accounts, copies in the journal, the
import files, log-in records, sessions, queued e-mails), while every amount stays; nothing is
touched without --wet-run; a pupil or family still concerned by a retained year is kept."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from typing import Any

import pytest
from axes.models import AccessLog
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db.models import Count, Model, Sum
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from passplus.accounts.models import Invitation, User
from passplus.accounts.tasks import password_reset_send
from passplus.audit.models import AuditEvent, record
from passplus.campaigns.models import SchoolYear
from passplus.notifications.queue_secrets import unseal_text
from passplus.notifications.tasks import email_later
from passplus.payments.models import Payment
from passplus.pupils import retention
from passplus.pupils.models import Family, ImportJob, Pupil, Wallet
from passplus.pupils.retention import anonymise_closed_school_years
from passplus.pupils.tasks import family_welcome_send
from passplus.tickets.models import Redemption, Ticket
from tests.helpers import factories
from tests.helpers.accounts import log_in
from tests.helpers.database import assert_unchanged, db_row

pytestmark = pytest.mark.django_db

PLACEHOLDER = "@anonymise.invalid"


def closed_year(label: str, days_ago: int) -> SchoolYear:
    """A school year whose redemption deadline was `days_ago` days ago."""
    deadline = timezone.localdate() - dt.timedelta(days=days_ago)
    return factories.SchoolYearFactory(
        label=label,
        starts_on=deadline - dt.timedelta(days=300),
        ends_on=deadline + dt.timedelta(days=60),
        generation_deadline=deadline - dt.timedelta(days=30),
        redemption_deadline=deadline,
    )


def pupil_in(*years: SchoolYear, family: Family | None = None, **extra: Any) -> Pupil:
    pupil = factories.PupilFactory(**({"family": family} if family else {}), **extra)
    for year in years:
        factories.WalletFactory(pupil=pupil, school_year=year)
    return pupil


def run(*args: str) -> str:
    out = StringIO()
    call_command("anonymise_closed_school_years", *args, stdout=out)
    return out.getvalue()


def fresh(obj: Model) -> Any:
    return type(obj)._default_manager.get(pk=obj.pk)


SNAPSHOT_MODELS: list[type[Model]] = [
    Pupil,
    Family,
    User,
    Wallet,
    Ticket,
    Redemption,
    Payment,
    ImportJob,
    AuditEvent,
    Session,
    AccessLog,
    DBTaskResult,
    Invitation,
]


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table the command may touch."""
    return {
        model.__name__: list(model._default_manager.order_by("pk").values())
        for model in SNAPSHOT_MODELS
    }


def money_totals() -> dict[str, Any]:
    """What the accounts rely on: credits granted, tickets, redemptions, payments by status."""

    def by_status(model: type[Model]) -> dict[str, tuple[int, int]]:
        rows = model._default_manager.values("status").annotate(
            n=Count("pk"), total=Sum("amount_cents")
        )
        return {row["status"]: (row["n"], row["total"]) for row in rows.order_by("status")}

    wallets = Wallet.objects.aggregate(n=Count("pk"), total=Sum("granted_cents"))
    per_year = Wallet.objects.values("school_year__label").annotate(total=Sum("granted_cents"))
    return {
        "wallets": wallets,
        "wallets_per_year": {row["school_year__label"]: row["total"] for row in per_year},
        "tickets": by_status(Ticket),
        "redemptions": by_status(Redemption),
        "payments": by_status(Payment),
    }


class World:
    """Two closed years (one past the 365-day retention, one not), the current year, and
    families in every situation the rules distinguish."""

    def __init__(self) -> None:
        self.old = closed_year("2023-2024", days_ago=400)
        self.recent = closed_year("2024-2025", days_ago=100)
        self.current = factories.SchoolYearFactory()
        self.staff = factories.UserFactory(gestionnaire=True)

        # Family A: every pupil only in the old year -> all anonymised.
        self.family_a = factories.FamilyFactory(parent_name="Claire Dupont")
        self.user_a = self.family_a.user
        self.email_a = self.family_a.email
        self.a1 = pupil_in(
            self.old,
            family=self.family_a,
            first_name="Léa",
            last_name="Dupont",
            birth_date=dt.date(2011, 7, 14),
        )
        self.a2 = pupil_in(self.old, family=self.family_a, first_name="Hugo", last_name="Dupont")
        # Family B: its pupil also has a credit this year -> kept.
        self.family_b = factories.FamilyFactory(parent_name="Marc Bernard")
        self.b1 = pupil_in(self.old, self.current, family=self.family_b, last_name="Bernard")
        # Family C: one pupil only in the old year (anonymised), the other in the recent
        # year (kept) -> the family is kept.
        self.family_c = factories.FamilyFactory(parent_name="Inès Petit")
        self.c1 = pupil_in(self.old, family=self.family_c, last_name="Petit")
        self.c2 = pupil_in(self.recent, family=self.family_c, last_name="Petit")
        # Family D: only in the recent year (closed, not yet past retention) -> untouched.
        self.family_d = factories.FamilyFactory(parent_name="Paul Moreau")
        self.d1 = pupil_in(self.recent, family=self.family_d, last_name="Moreau")

        self.money()
        self.copies()

    def money(self) -> None:
        wallet = self.a1.wallets.get()
        factories.TicketFactory(wallet=wallet, expired=True, amount_cents=1000)
        factories.TicketFactory(wallet=wallet, void=True, amount_cents=500)
        factories.RedemptionFactory(
            ticket=factories.TicketFactory(wallet=wallet, used=True, amount_cents=3000),
            reimbursed=True,
            amount_cents=3000,
        )
        factories.RedemptionFactory(
            ticket=factories.TicketFactory(wallet=self.a2.wallets.get(), used=True),
            in_payment=True,
        )
        factories.RedemptionFactory(
            ticket=factories.TicketFactory(wallet=self.c1.wallets.get()), cancelled=True
        )
        factories.RedemptionFactory(
            ticket=factories.TicketFactory(wallet=self.d1.wallets.get(), used=True)
        )

    def copies(self) -> None:
        """Personal data copied outside the pupil and family rows."""
        self.a1.mark_scholarship(school_year=self.old, actor=self.staff)
        self.family_event = record(
            actor=self.staff,
            action="family.update",
            obj=self.family_a,
            before={"email": "ancienne@example.fr", "parent_name": "Claire Martin"},
            after={"email": self.email_a, "parent_name": "Claire Dupont"},
            reason="Demande de Claire Dupont",
        )
        self.user_event = record(
            actor=self.user_a, action="account.update", obj=self.user_a, after={"x": 1}
        )
        self.family_d_event = record(
            actor=self.staff, action="family.update", obj=self.family_d, after={"y": 2}
        )
        ticket = factories.TicketFactory(wallet=self.a2.wallets.get(), expired=True)
        self.acted_event = record(
            actor=self.user_a, action="ticket.issue", obj=ticket, after={"amount_cents": 2000}
        )
        AuditEvent.objects.filter(pk=self.acted_event.pk).update(ip="203.0.113.7")

        self.old_job = import_job(self.old, "Léa;Dupont;14/07/2011")
        self.recent_job = import_job(self.recent, "Paul;Moreau;01/02/2012")

        # A password-reset request and e-mails (address in their arguments), a welcome, queued.
        password_reset_send.enqueue(email=self.email_a)
        email_later(to=[self.email_a], subject="Mot de passe", body="Bonjour Claire Dupont")
        family_welcome_send.enqueue(family_id=self.family_a.pk)
        email_later(to=[self.family_d.email], subject="Mot de passe", body="Bonjour")


def import_job(year: SchoolYear, line: str) -> ImportJob:
    job = ImportJob(school_year=year, original_name="eleves.csv")
    job.file.save("import.csv", ContentFile(f"email;parent;prénom\r\n{line}\r\n".encode()))
    job.errors = [{"line": 2, "messages": [f"Adresse e-mail invalide : « {line} »."]}]
    job.save()
    return job


@pytest.fixture
def world() -> World:
    return World()


def family_logged_in(world: World) -> Client:
    """The family A parent, logged in through the real form (a session and an axes record)."""
    client = Client()
    assert log_in(client, world.email_a, factories.PASSWORD)
    assert client.get(reverse("family:home")).status_code == 200
    return client


# Dry run -------------------------------------------------------------------------------------


def test_dry_run_changes_nothing_and_prints_the_counts(world: World) -> None:
    family_logged_in(world)
    before = snapshot()

    output = run()

    assert snapshot() == before
    assert default_storage.exists(world.old_job.file.name)
    assert "Simulation : rien n'est modifié" in output
    assert "Année scolaire 2023-2024 (saisie close le" in output
    assert "Année scolaire 2024-2025" not in output
    assert "  collégiens à anonymiser : 3\n" in output  # a1, a2, c1
    assert "  familles à anonymiser : 1\n" in output  # family A only
    assert "  comptes famille désactivés : 1\n" in output
    assert "  fichiers d'import supprimés : 1\n" in output
    assert "  sessions fermées : 1\n" in output
    assert "  e-mails en file supprimés : 3\n" in output
    assert "collégiens conservés (crédit sur une année scolaire plus récente) : 1" in output  # b1


def test_dry_run_report_announces_what_the_wet_run_does(world: World) -> None:
    dry = anonymise_closed_school_years()
    wet = anonymise_closed_school_years(wet_run=True)

    assert [year.counts for year in dry.years] == [year.counts for year in wet.years]
    assert wet.years[0].pupils == 3
    assert wet.years[0].families == 1


# Wet run -------------------------------------------------------------------------------------


def test_wet_run_anonymises_the_pupils_of_the_year_past_retention(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retention, "BATCH", 2)  # several batches, several transactions

    output = run("--wet-run")

    assert "Anonymisation effectuée." in output
    assert "  collégiens anonymisés : 3\n" in output
    for pupil in (world.a1, world.a2, world.c1):
        stored = fresh(pupil)
        assert (stored.first_name, stored.last_name) == ("Anonyme", f"n°{pupil.pk}")
        assert stored.birth_date == dt.date(pupil.birth_date.year, 1, 1)
        assert stored.anonymised_at is not None
        # What statistics need stays: college, class, scholarship.
        assert (stored.college, stored.school_class) == (pupil.college, pupil.school_class)
    assert fresh(world.a1).is_scholarship is True
    assert not Pupil.objects.filter(last_name="Dupont").exists()


def test_wet_run_anonymises_the_family_and_disables_its_account(world: World) -> None:
    run("--wet-run")

    family = fresh(world.family_a)
    assert family.parent_name == "Famille anonymisée"
    assert family.email == f"famille-{family.pk}{PLACEHOLDER}"
    assert family.anonymised_at is not None
    user = fresh(world.user_a)
    assert user.email == f"anonyme-{user.pk}{PLACEHOLDER}"
    assert (user.first_name, user.last_name) == ("", "")
    assert not user.has_usable_password()
    assert not user.is_active
    assert user.last_login is None


def test_the_anonymised_family_cannot_log_in_and_its_sessions_are_dropped(world: World) -> None:
    logged_in = family_logged_in(world)
    assert AccessLog.objects.filter(username=world.email_a).exists()

    run("--wet-run")

    user_ids = {
        Session.objects.get(pk=s.pk).get_decoded().get(SESSION_KEY) for s in Session.objects.all()
    }
    assert str(world.user_a.pk) not in user_ids
    home = logged_in.get(reverse("family:home"))
    assert home.status_code == 302
    assert reverse("accounts:login") in home["Location"]
    assert not log_in(Client(), world.email_a, factories.PASSWORD)
    assert not log_in(Client(), fresh(world.user_a).email, factories.PASSWORD)
    # The failed attempts above are new records; the earlier ones are gone.
    assert not AccessLog.objects.filter(username=world.email_a).exists()


def test_wet_run_empties_the_copies_in_the_journal(world: World) -> None:
    run("--wet-run")

    pupil_events = AuditEvent.objects.for_object(world.a1)
    assert pupil_events.exists()
    for event in [*pupil_events, fresh(world.family_event), fresh(world.user_event)]:
        assert (event.before, event.after, event.reason) == ({}, {}, "")
        assert event.action  # who did what, when, stays
    acted = fresh(world.acted_event)
    assert acted.actor_label == f"anonyme-{world.user_a.pk}{PLACEHOLDER}"
    assert acted.ip is None
    assert acted.after == {"amount_cents": 2000}  # about a ticket: kept
    assert fresh(world.family_d_event).after == {"y": 2}
    assert not AuditEvent.objects.filter(actor_label=world.email_a).exists()


def test_wet_run_deletes_the_import_file_of_the_year_and_its_error_lines(world: World) -> None:
    old_name = world.old_job.file.name

    run("--wet-run")

    assert not default_storage.exists(old_name)
    job = fresh(world.old_job)
    assert (job.file.name, job.errors) == ("", [])
    recent = fresh(world.recent_job)
    assert default_storage.exists(recent.file.name)
    assert recent.errors == world.recent_job.errors


def test_wet_run_drops_the_queued_e_mails_of_the_family(world: World) -> None:
    run("--wet-run")

    (remaining,) = [task.args_kwargs["kwargs"] for task in DBTaskResult.objects.all()]
    assert remaining["to"] == [world.family_d.email]
    assert json.loads(unseal_text(remaining["sealed"]))["body"] == "Bonjour"


def test_wet_run_writes_one_audit_event_per_school_year(world: World) -> None:
    run("--wet-run")

    events = AuditEvent.objects.filter(action="retention.anonymised")
    assert events.count() == 1
    event = events.get()
    assert (event.object_type, event.object_id) == ("campaigns.schoolyear", str(world.old.pk))
    assert (event.actor, event.actor_label) == (None, "système")
    assert event.after["pupils"] == 3
    assert event.after["families"] == 1
    assert event.after["accounts"] == 1
    assert event.after["import_files"] == 1
    assert event.after["retention_days"] == 365


def test_amounts_are_identical_before_and_after(world: World) -> None:
    before = money_totals()
    assert before["tickets"] and before["redemptions"] and before["payments"]

    run("--wet-run")

    assert money_totals() == before
    assert Wallet.objects.filter(pupil=world.a1).count() == 1


# What is kept --------------------------------------------------------------------------------


def test_a_year_not_yet_past_retention_is_untouched(world: World) -> None:
    rows = [db_row(obj) for obj in (world.family_d, world.d1, world.family_d.user)]

    run("--wet-run")

    assert [db_row(obj) for obj in (world.family_d, world.d1, world.family_d.user)] == rows


def test_a_pupil_with_a_credit_in_a_retained_year_is_untouched(world: World) -> None:
    kept = (world.b1, world.family_b, world.family_b.user, world.c2, world.family_c)
    rows = [db_row(obj) for obj in kept]

    run("--wet-run")

    assert [db_row(obj) for obj in kept] == rows
    assert fresh(world.c1).anonymised_at is not None  # its sibling was anonymised


def test_a_staff_account_linked_to_a_family_is_not_disabled() -> None:
    old = closed_year("2020-2021", days_ago=1000)
    staff = factories.UserFactory(gestionnaire=True)
    family = factories.FamilyFactory(user=staff, email="parent@example.fr")
    pupil_in(old, family=family)
    row = db_row(staff)

    run("--wet-run")

    assert fresh(family).anonymised_at is not None
    assert db_row(staff) == row


def test_each_pupil_and_family_is_counted_once_across_years() -> None:
    """A pupil counts under the oldest of its years, a family under the newest."""
    older = closed_year("2021-2022", days_ago=800)
    old = closed_year("2022-2023", days_ago=450)
    family = factories.FamilyFactory()
    pupil_in(older, old, family=family)  # the same pupil two years running
    pupil_in(old, family=family)
    split = closed_year("2019-2020", days_ago=1500)
    SchoolYear.objects.filter(pk=split.pk).update(
        split_domains=True,
        sport_standard_cents=4000,
        sport_scholarship_cents=5000,
        culture_standard_cents=4000,
        culture_scholarship_cents=5000,
    )
    sporty = factories.PupilFactory()
    factories.WalletFactory(pupil=sporty, school_year=split, domain="sport")
    factories.WalletFactory(pupil=sporty, school_year=split, domain="culture")

    report = anonymise_closed_school_years(wet_run=True)

    counts = {year.school_year: (year.pupils, year.families) for year in report.years}
    assert counts == {"2019-2020": (1, 1), "2021-2022": (1, 0), "2022-2023": (1, 1)}


# Idempotence ---------------------------------------------------------------------------------


def test_a_second_run_changes_nothing(world: World) -> None:
    family_logged_in(world)
    run("--wet-run")
    after_first = snapshot()

    output = run("--wet-run")

    assert snapshot() == after_first
    assert "Année scolaire 2023-2024 (saisie close le" in output
    assert "  rien à anonymiser.\n" in output
    assert "Total anonymisés : 0 collégiens, 0 familles." in output
    assert AuditEvent.objects.filter(action="retention.anonymised").count() == 1


# The retention -------------------------------------------------------------------------------


def test_the_setting_sets_the_retention(world: World) -> None:
    with override_settings(PASSPLUS_RETENTION_DAYS=50):
        output = run("--wet-run")
    assert "Durée de conservation : 50 jours" in output
    assert "Année scolaire 2024-2025" in output
    assert fresh(world.d1).anonymised_at is not None
    assert fresh(world.family_c).anonymised_at is not None  # c2 was in the recent year
    assert fresh(world.b1).anonymised_at is None  # still credited this year


def test_a_long_retention_in_the_setting_keeps_everything(world: World) -> None:
    before = snapshot()
    with override_settings(PASSPLUS_RETENTION_DAYS=1000):
        output = run("--wet-run")
    assert "Aucune année scolaire concernée : rien à anonymiser." in output
    assert snapshot() == before


def test_the_option_overrides_the_setting(world: World) -> None:
    with override_settings(PASSPLUS_RETENTION_DAYS=1000):
        output = run("--wet-run", "--retention-days", "50")
    assert "Durée de conservation : 50 jours" in output
    assert fresh(world.d1).anonymised_at is not None

    before = snapshot()
    assert "Aucune année scolaire concernée" in run("--wet-run", "--retention-days=2000")
    assert snapshot() == before


def test_the_retention_counts_from_the_day_after_the_deadline() -> None:
    year = closed_year("2022-2023", days_ago=365)
    pupil = pupil_in(year)
    run("--wet-run")
    assert fresh(pupil).anonymised_at is None  # exactly 365 days: still retained
    run("--wet-run", "--retention-days", "364")
    assert fresh(pupil).anonymised_at is not None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "Durée de conservation invalide : « abc » (nombre entier de jours attendu)."),
        ("1.5", "Durée de conservation invalide : « 1.5 » (nombre entier de jours attendu)."),
        ("", "Durée de conservation invalide : «  » (nombre entier de jours attendu)."),
        ("-1", "Durée de conservation invalide : -1 jours (entre 0 et 36500 jours attendus)."),
        ("99999", "Durée de conservation invalide : 99999 jours (entre 0 et 36500 jours"),
    ],
)
def test_a_bad_retention_option_is_refused_in_french(
    world: World, value: str, message: str
) -> None:
    before = snapshot()
    with assert_unchanged(counted=SNAPSHOT_MODELS), pytest.raises(CommandError) as error:
        run("--wet-run", "--retention-days", value)
    assert str(error.value).startswith(message)
    assert snapshot() == before


def test_a_bad_retention_setting_is_refused_in_french(world: World) -> None:
    with override_settings(PASSPLUS_RETENTION_DAYS=-30), pytest.raises(CommandError) as error:
        run()
    assert "Durée de conservation invalide : -30 jours" in str(error.value)


def test_no_welcome_e_mail_reaches_an_anonymised_family() -> None:
    from django.core import mail

    family = factories.FamilyFactory(anonymised_at=timezone.now())
    family.user.set_unusable_password()
    family.user.save()

    family_welcome_send.call(family_id=family.pk)

    assert mail.outbox == []
    family.refresh_from_db()
    assert family.welcome_sent_at is None
