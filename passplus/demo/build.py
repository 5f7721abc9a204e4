"""A believable demo data set: every space navigable, every state of every lifecycle present.

Built through the domain methods (so the audit log is real), deterministic (seeded), and
created once: running it again only prints the logins.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from passplus.accounts.models import Role, User
from passplus.campaigns.models import SchoolYear
from passplus.conventions.models import Convention
from passplus.core.enums import WalletDomain
from passplus.demo.affiliation import (
    declare_eligibility,
    demo_convention_version,
    demo_rib_pdf,
    seal_demo_convention,
)
from passplus.demo.data import (
    COLLEGES,
    FIRST_NAMES,
    LAST_NAMES,
    ORGANISATION_KINDS,
    demo_iban,
    elision_of,
)
from passplus.demo.organisations import organisation_fields
from passplus.demo.staff import enrol_demo_staff
from passplus.demo.switch_over import imported_organisations_build
from passplus.organisations.enums import BankAccountStatus, OrganisationStatus
from passplus.organisations.models import Activity, BankAccount, IdentificationForm, Organisation
from passplus.payments.build import payment_run_build
from passplus.payments.models import PaymentRun
from passplus.payments.services import (
    payment_run_approve,
    payment_run_sepa_download,
    payment_run_transmit,
)
from passplus.payments.settlement import payment_mark_paid, payment_mark_rejected
from passplus.pupils.models import Family, Pupil, SchoolClass, Wallet
from passplus.territory.models import Commune, default_communes_ensure
from passplus.tickets.assignments import (
    assignment_confirm,
    assignment_create,
    assignment_expire,
    assignment_refuse,
    assignment_withdraw,
    wallet_domains,
)
from passplus.tickets.models import Redemption, Ticket
from passplus.tickets.services import redemption_enter

DEMO_PASSWORD = "demo-Pass+2026"  # noqa: S105 - printed on purpose, demo only
DEMO_DOMAIN = "demo.passplus.fr"

DEMO_COMMUNES = ["92050", "92012", "92025", "92002", "92040"]
# 30 organisations: every state of the organisation lifecycle.
STATE_PLAN = (
    [OrganisationStatus.AFFILIATED] * 22
    + [OrganisationStatus.IDENTIFIED] * 3
    + [OrganisationStatus.SIGNING] * 2
    + [OrganisationStatus.SUSPENDED] * 2
    + [OrganisationStatus.TERMINATED]
)


@dataclass
class Login:
    role: str
    email: str
    note: str = ""


@dataclass
class DemoBuilder:
    today: dt.date
    rng: random.Random = field(default_factory=lambda: random.Random(92))  # noqa: S311
    logins: list[Login] = field(default_factory=list)
    log: Callable[[str], None] = print

    password_hash: str = ""

    def user(self, email: str, role: str, note: str = "", **extra: Any) -> User:
        # One Argon2 hash for every demo account: hashing 250 times would take half a minute.
        self.password_hash = self.password_hash or make_password(DEMO_PASSWORD)
        user = User.objects.create(
            email=f"{email}@{DEMO_DOMAIN}", password=self.password_hash, role=role, **extra
        )
        if note is not None:
            self.logins.append(Login(role, user.email, note))
        return user

    def build(self) -> None:
        with transaction.atomic():
            default_communes_ensure()
            self.staff()
            self.year, self.past_year = self.school_years()
            self.version = demo_convention_version()
            self.correspondents()
            self.organisations = self.partner_organisations()
            # Three more, imported from the previous system; one still to be claimed.
            imported_organisations_build(
                actor=self.gestionnaire, demo_domain=DEMO_DOMAIN, password=DEMO_PASSWORD
            )
            self.families()
            self.money_path()
            self.assignments()

    def staff(self) -> None:
        self.gestionnaire = self.user(
            "gestionnaire", Role.GESTIONNAIRE, first_name="Gaëlle", last_name="Gestion"
        )
        self.finance = self.user(
            "finance",
            Role.FINANCE,
            STAFF_NOTES["finance"],
            first_name="Fabien",
            last_name="Finance",
        )
        self.finance2 = self.user(
            "finance2",
            Role.FINANCE,
            STAFF_NOTES["finance2"],
            first_name="Françoise",
            last_name="Contrôle",
        )
        admin = self.user(
            "admin",
            Role.ADMIN,
            STAFF_NOTES["admin"],
            is_superuser=True,
            first_name="Alice",
            last_name="Admin",
        )
        enrol_demo_staff([self.gestionnaire, self.finance, self.finance2, admin])

    def school_years(self) -> tuple[SchoolYear, SchoolYear]:
        start = self.today.year if self.today.month >= 9 else self.today.year - 1
        current = SchoolYear.objects.create(
            label=f"{start}-{start + 1}",
            starts_on=dt.date(start, 9, 1),
            ends_on=dt.date(start + 1, 8, 31),
            generation_deadline=dt.date(start + 1, 5, 31),
            redemption_deadline=dt.date(start + 1, 6, 30),
        )
        past = SchoolYear.objects.create(
            label=f"{start - 1}-{start}",
            starts_on=dt.date(start - 1, 9, 1),
            ends_on=dt.date(start, 8, 31),
            generation_deadline=dt.date(start, 5, 31),
            redemption_deadline=dt.date(start, 6, 30),
        )
        return current, past

    def correspondents(self) -> None:
        for index, code in enumerate(DEMO_COMMUNES[:4]):
            commune = Commune.objects.get(insee_code=code)
            user = self.user(
                f"correspondant.{index + 1}",
                Role.CORRESPONDENT,
                commune.name,
                first_name="Corentin",
                last_name=commune.name,
                # What the directory publishes; the last one chose to publish no address.
                public_email=f"pass.{code}@mairies.{DEMO_DOMAIN}" if index < 3 else "",
            )
            user.communes.add(commune)
            if index == 0:  # one person may follow several communes
                user.communes.add(Commune.objects.get(insee_code=DEMO_COMMUNES[4]))
                self.logins[-1].note += ", " + DEMO_COMMUNES[4]

    def partner_organisations(self) -> list[Organisation]:
        organisations = []
        for index, state in enumerate(STATE_PLAN):
            organisations.append(self.organisation(index, state))
        return organisations

    def organisation(self, index: int, state: str) -> Organisation:
        kind, domain, activity_type = ORGANISATION_KINDS[index % len(ORGANISATION_KINDS)]
        commune = Commune.objects.get(insee_code=DEMO_COMMUNES[index % len(DEMO_COMMUNES)])
        name = f"{kind} {elision_of(commune.name)}" + (f" {index // 10 + 1}" if index >= 10 else "")
        organisation = Organisation.objects.create(
            **organisation_fields(index=index, name=name, kind=kind, domain=domain, commune=commune)
        )
        Activity.objects.create(
            organisation=organisation,
            name=kind,
            domain=domain,
            activity_type=activity_type,
            place=organisation.street,
            min_age=11,
            max_age=15,
        )
        form = IdentificationForm.objects.create(
            organisation=organisation,
            contact_name=organisation.representative_name,
            contact_email=organisation.representative_email,
            registered_by=commune.correspondents.first(),
        )
        assert form.pk
        self.advance(organisation, state, index)
        return organisation

    def advance(self, organisation: Organisation, state: str, index: int) -> None:
        if state == OrganisationStatus.IDENTIFIED:
            return
        actor = None
        organisation.start_signing(actor=actor)
        member = self.user(
            f"affilie.{index + 1}",
            Role.ORGANISATION,
            organisation.display_name,
            organisation=organisation,
            first_name="Membre",
            last_name=str(index),
        )
        account = BankAccount.objects.create(
            organisation=organisation,
            holder=organisation.legal_name[:70],
            iban=demo_iban(index),
            bic="CEPAFRPP751",
            entered_by=member,
        )
        account.rib_document.save("rib.pdf", ContentFile(demo_rib_pdf(account)), save=True)
        declare_eligibility(organisation)
        if state == OrganisationStatus.SIGNING:
            # Mid-wizard: everything filled in; review, conditions and signature remain.
            self.logins[-1].note += " (signature en cours)"
            return
        account.confirm(actor=member)
        convention = Convention.objects.create(
            organisation=organisation,
            version=self.version,
            rules_accepted_at=timezone.now(),
            terms_accepted_at=timezone.now(),
        )
        convention.sign(actor=member)
        seal_demo_convention(convention, member, account)
        organisation.affiliate(actor=member)
        if index % 9 != 4:  # a few accounts stay pending: these partners wait for validation
            account.validate(actor=self.gestionnaire)
        if state == OrganisationStatus.SUSPENDED:
            organisation.suspend(actor=self.gestionnaire, reason="Contrôle en cours")
            self.logins[-1].note += " (suspendu)"
        elif state == OrganisationStatus.TERMINATED:
            organisation.terminate(actor=self.gestionnaire, reason="Fin d'activité")
            self.logins[-1].note += " (résilié)"

    def families(self) -> None:
        self.wallets: list[Wallet] = []
        self.past_wallets: list[Wallet] = []
        for index in range(120):
            last_name = LAST_NAMES[index % len(LAST_NAMES)]
            parent = f"{self.rng.choice(FIRST_NAMES)} {last_name}"
            email = f"famille.{index + 1}"
            user = self.user(email, Role.FAMILY, parent)
            family = Family.objects.create(user=user, parent_name=parent, email=user.email)
            for child in range(1 + (index % 5 == 0) + (index % 2)):
                pupil = Pupil.objects.create(
                    family=family,
                    first_name=FIRST_NAMES[(index * 3 + child) % 24],
                    last_name=last_name,
                    birth_date=dt.date(
                        2011 + self.rng.randint(0, 3),
                        self.rng.randint(1, 12),
                        self.rng.randint(1, 28),
                    ),
                    college=self.rng.choice(COLLEGES),
                    school_class=self.rng.choice(SchoolClass.values),
                    is_scholarship=self.rng.random() < 0.25,
                )
                for year, bucket in (
                    (self.year, self.wallets),
                    (self.past_year, self.past_wallets),
                ):
                    if year is self.past_year and index % 4:
                        continue
                    for domain, cents in year.allowances(scholarship=pupil.is_scholarship).items():
                        bucket.append(
                            Wallet.objects.create(
                                pupil=pupil, school_year=year, domain=domain, granted_cents=cents
                            )
                        )

    def money_path(self) -> None:
        """Tickets in every state, redemptions in every state, one closed run and a draft."""
        affiliated = [o for o in self.organisations if o.status == OrganisationStatus.AFFILIATED]
        suspended = [o for o in self.organisations if o.status == OrganisationStatus.SUSPENDED]
        payers = [o for o in affiliated if o.current_bank_account()]
        parent_of = {w.pk: w.pupil.family.user for w in self.wallets}
        first_cut, second_cut = _cut_offs(self.today)
        for position, wallet in enumerate(self.wallets):
            # Every demo family has its account, every paying organisation a member.
            family_user = cast(User, parent_of[wallet.pk])
            first = Ticket.issue(
                wallet=wallet,
                amount_cents=min(3000, wallet.granted_cents),
                actor=family_user,
                today=min(self.today, self.year.generation_deadline),
            )
            plan = position % 6
            if plan == 5:
                first.void(actor=family_user, reason="Erreur de montant")
                continue
            if plan == 4:
                continue  # stays available
            organisation = (suspended if position % 37 == 0 and suspended else payers)[
                position % len(payers) if position % 37 else 0
            ]
            if not set(first.domains) & set(organisation.domains):
                organisation = next(o for o in payers if set(first.domains) & set(o.domains))
            member = cast(User, organisation.members.first())
            if plan == 3 and organisation.may_redeem:
                redemption = redemption_enter(
                    ticket=first,
                    organisation=organisation,
                    actor=member,
                    today=min(self.today, self.year.redemption_deadline),
                )
                redemption.cancel(actor=member, reason="Saisie en double")
                continue
            if not organisation.may_redeem:
                continue
            redemption = redemption_enter(
                ticket=first,
                organisation=organisation,
                actor=member,
                today=min(self.today, self.year.redemption_deadline),
            )
            # Older entries fall into the closed run, then the draft run; the rest stay entered.
            if plan < 2:
                entered = first_cut - dt.timedelta(days=3)
            elif position % 12 == 2:
                entered = second_cut - dt.timedelta(days=2)
            else:
                entered = timezone.now()
            Redemption.objects.filter(pk=redemption.pk).update(entered_at=entered)
        closed = payment_run_build(cut_off=first_cut, actor=self.finance)
        payment_run_approve(run=closed, actor=self.finance2)
        # Its SEPA file downloaded by the approver (not its builder), as transmission requires.
        payment_run_sepa_download(run=closed, actor=self.finance2)
        payment_run_transmit(run=closed, actor=self.finance)
        # The last transfer settled closes the run, as on the run's page.
        for number, payment in enumerate(closed.payments.order_by("pk")):
            if number == 1:
                payment_mark_rejected(payment=payment, actor=self.finance, reason="Compte clos")
            else:
                payment_mark_paid(payment=payment, actor=self.finance)
        payment_run_build(cut_off=second_cut, actor=self.finance)
        for wallet in self.past_wallets:
            Ticket.issue(
                wallet=wallet,
                amount_cents=min(2000, wallet.granted_cents),
                actor=None,
                today=self.past_year.starts_on,
            ).expire()
        self.log(
            f"{Ticket.objects.count()} tickets, {Redemption.objects.count()} saisies, "
            f"{PaymentRun.objects.count()} campagnes de remboursement"
        )

    def assignments(self) -> None:
        """Credit assigned online (issue 35) in every state: two pending, one confirmed (its
        entry then follows the usual cycle), one refused, one withdrawn, one expired."""
        answering = [
            o
            for o in self.organisations
            if o.status == OrganisationStatus.AFFILIATED
            and o.members.filter(role=Role.ORGANISATION, is_active=True).exists()
        ]
        ends = [None, None, "confirm", "refuse", "withdraw", "expire"]
        wallets = [w for w in self.wallets if w.remaining_cents() >= 1000][1::7]
        for end, wallet in zip(ends, wallets, strict=False):
            domains = wallet_domains(wallet)
            organisation = next(o for o in answering if set(o.domains) & set(domains))
            member = cast(
                User, organisation.members.filter(role=Role.ORGANISATION, is_active=True).first()
            )
            assignment = assignment_create(
                wallet=wallet,
                organisation=organisation,
                amount_cents=1000,
                actor=cast(User, wallet.pupil.family.user),
                activity=organisation.activities.filter(domain__in=domains).first(),
                today=min(self.today, self.year.generation_deadline),
            )
            if end == "confirm":
                assignment_confirm(
                    assignment=assignment,
                    actor=member,
                    today=min(self.today, self.year.redemption_deadline),
                    now=assignment.created_at,
                )
            elif end == "refuse":
                assignment_refuse(
                    assignment=assignment,
                    actor=member,
                    reason="Le groupe du mercredi est complet : nous n'avons plus de place.",
                )
            elif end == "withdraw":
                assignment_withdraw(assignment=assignment, actor=cast(User, assignment.parent))
            elif end == "expire":
                assignment_expire(assignment=assignment, now=assignment.expires_at)


def _cut_offs(today: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The two last half-month cut-offs (1st and 16th, 00:00 local time) before today."""

    def cut(day: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime(day.year, day.month, day.day))

    latest = today.replace(day=16) if today.day > 16 else today.replace(day=1)
    if latest.day == 16:
        earlier = latest.replace(day=1)
    else:
        previous_month = latest - dt.timedelta(days=1)
        earlier = previous_month.replace(day=16)
    return cut(earlier), cut(latest)


def demo_exists() -> bool:
    return User.objects.filter(email=f"gestionnaire@{DEMO_DOMAIN}").exists()


# What each demo staff account is for, printed on its LOGIN line (README, "make run").
STAFF_NOTES = {
    "finance": "prépare les campagnes",
    "finance2": "approuve (quatre yeux)",
    "admin": "accès aussi à /django-admin/",
}


def existing_logins() -> list[Login]:
    order = [
        Role.GESTIONNAIRE,
        Role.FINANCE,
        Role.ADMIN,
        Role.CORRESPONDENT,
        Role.ORGANISATION,
        Role.FAMILY,
    ]
    users = User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").select_related("organisation")
    logins = []
    for role in order:
        chosen = [u for u in users if u.role == role]
        if role == Role.FAMILY:
            chosen = [
                u
                for u in chosen
                if u.email.split("@")[0] in {"famille.1", "famille.2", "famille.3"}
            ]
        for user in sorted(chosen, key=lambda u: (len(u.email), u.email)):
            if user.organisation:
                note = user.organisation.display_name
            elif role == Role.CORRESPONDENT:
                note = "; ".join(f"{c.name}, {c.insee_code}" for c in user.communes.all())
            else:
                note = STAFF_NOTES.get(user.email.split("@")[0], "")
            if user.organisation and user.organisation.status != OrganisationStatus.AFFILIATED:
                note += f" ({user.organisation.get_status_display().lower()})"
            logins.append(Login(role, user.email, note))
    return logins


__all__ = ["DEMO_PASSWORD", "BankAccountStatus", "DemoBuilder", "WalletDomain"]
