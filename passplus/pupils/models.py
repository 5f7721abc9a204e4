from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from passplus.audit.models import record
from passplus.campaigns.models import SchoolYear
from passplus.core.enums import TicketStatus, WalletDomain

if TYPE_CHECKING:
    from passplus.accounts.models import User


def _every_word(text: str, *fields: str) -> Q:
    """Every word of `text` found (case-insensitively) in one of `fields`."""
    condition = Q()
    for word in text.split():
        any_field = Q()
        for field in fields:
            any_field |= Q(**{f"{field}__icontains": word})
        condition &= any_field
    return condition


class PupilQuerySet(models.QuerySet["Pupil"]):
    def of_family_user(self, user: User) -> PupilQuerySet:
        return self.filter(family__user=user)

    def matching(self, text: str, birth_date: dt.date | None = None) -> PupilQuerySet:
        """The back office's look-up: a birth date, or every word in the first or last name."""
        if birth_date is not None:
            return self.filter(birth_date=birth_date)
        if not text.split():
            return self.none()
        return self.filter(_every_word(text, "first_name", "last_name"))


class FamilyQuerySet(models.QuerySet["Family"]):
    def matching(self, text: str) -> FamilyQuerySet:
        """The back office's look-up: part of the e-mail, or every word in the parent's name."""
        if not text.split():
            return self.none()
        return self.filter(Q(email__icontains=text.strip()) | _every_word(text, "parent_name"))


class Family(models.Model):
    """The account that holds the pupils' tickets (one parent login)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="family",
    )
    parent_name = models.CharField("nom du parent", max_length=150)
    email = models.EmailField("e-mail", unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)
    import_job = models.ForeignKey(
        "pupils.ImportJob",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="families",
        verbose_name="créée par l'import",
    )
    welcome_sent_at = models.DateTimeField("e-mail de bienvenue envoyé le", null=True, blank=True)

    objects = FamilyQuerySet.as_manager()

    class Meta:
        verbose_name = "famille"
        ordering = ["parent_name"]

    def __str__(self) -> str:
        return self.parent_name


class SchoolClass(models.TextChoices):
    SIXIEME = "6e", "6e"
    CINQUIEME = "5e", "5e"
    QUATRIEME = "4e", "4e"
    TROISIEME = "3e", "3e"


class Pupil(models.Model):
    """A middle-school pupil (collégien), the beneficiary of the credit."""

    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="pupils")
    first_name = models.CharField("prénom", max_length=100)
    last_name = models.CharField("nom", max_length=100)
    birth_date = models.DateField("date de naissance")
    college = models.CharField("collège", max_length=150)
    school_class = models.CharField("classe", max_length=2, choices=SchoolClass.choices)
    is_scholarship = models.BooleanField("boursier", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    objects = PupilQuerySet.as_manager()

    class Meta:
        verbose_name = "collégien"
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["family", "first_name", "last_name", "birth_date"],
                name="pupil_unique_in_family",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def initials(self) -> str:
        return f"{self.first_name[:1]}. {self.last_name[:1]}.".upper()

    def open_wallets(self, school_year: SchoolYear) -> list[Wallet]:
        """The pupil's wallets for `school_year`, created and credited with the year's
        configured amounts if missing (one "all" wallet, or sport + culture when the year
        splits). Idempotent: existing wallets are returned unchanged."""
        wallets = []
        for domain, cents in school_year.allowances(scholarship=self.is_scholarship).items():
            wallet, _created = Wallet.objects.get_or_create(
                pupil=self,
                school_year=school_year,
                domain=domain,
                defaults={"granted_cents": cents},
            )
            wallets.append(wallet)
        return wallets

    def mark_scholarship(self, *, school_year: SchoolYear, actor: User) -> list[Wallet]:
        """Record the pupil as scholarship holder and raise that year's wallets to the
        scholarship amount. A credit is only ever raised (so never below what tickets already
        took); calling it again changes nothing."""
        with transaction.atomic():
            if not self.is_scholarship:
                Pupil.objects.filter(pk=self.pk).update(is_scholarship=True)
                self.is_scholarship = True
                record(
                    actor=actor,
                    action="pupil.mark_scholarship",
                    obj=self,
                    before={"is_scholarship": False},
                    after={"is_scholarship": True},
                )
            wallets = list(
                Wallet.objects.select_for_update().filter(pupil=self, school_year=school_year)
            )
            allowances = school_year.allowances(scholarship=True)
            for wallet in wallets:
                target = allowances.get(wallet.domain, 0)
                if wallet.granted_cents < target:
                    before = wallet.granted_cents
                    Wallet.objects.filter(pk=wallet.pk).update(granted_cents=target)
                    wallet.granted_cents = target
                    record(
                        actor=actor,
                        action="wallet.raise_to_scholarship",
                        obj=wallet,
                        before={"granted_cents": before},
                        after={"granted_cents": target},
                    )
        return wallets


class WalletQuerySet(models.QuerySet["Wallet"]):
    def with_balance(self) -> WalletQuerySet:
        """Annotate `committed_cents`: what live (non-void) tickets took from the credit."""
        return self.annotate(
            committed_cents=Coalesce(
                Sum("tickets__amount_cents", filter=~Q(tickets__status=TicketStatus.VOID)), 0
            )
        ).annotate(remaining=F("granted_cents") - F("committed_cents"))

    def with_expired(self) -> WalletQuerySet:
        """Annotate `expired_cents` and `expired_count`: the tickets that expired unused."""
        # The Ticket model through the wallets' own relation: tickets sit above pupils.
        ticket_model: Any = self.model._meta.get_field("tickets").related_model
        expired = ticket_model.objects.filter(wallet=OuterRef("pk"), status=TicketStatus.EXPIRED)
        return self.annotate(
            expired_cents=Coalesce(
                Subquery(
                    expired.values("wallet").annotate(total=Sum("amount_cents")).values("total")
                ),
                0,
            ),
            expired_count=Coalesce(
                Subquery(expired.values("wallet").annotate(n=Count("pk")).values("n")), 0
            ),
        )


class Wallet(models.Model):
    """A pupil's credit for one school year (and one domain when the year splits)."""

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="wallets")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="wallets")
    domain = models.CharField(
        "domaine", max_length=10, choices=WalletDomain.choices, default=WalletDomain.ALL
    )
    granted_cents = models.PositiveIntegerField("crédit accordé (centimes)")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WalletQuerySet.as_manager()

    class Meta:
        verbose_name = "crédit"
        ordering = ["school_year", "domain"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "school_year", "domain"], name="wallet_unique_per_year_domain"
            ),
            models.CheckConstraint(
                condition=Q(granted_cents__gt=0), name="wallet_granted_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pupil} — {self.school_year} ({self.get_domain_display()})"

    def committed_cents_now(self) -> int:
        total = self.tickets.exclude(status=TicketStatus.VOID).aggregate(total=Sum("amount_cents"))[
            "total"
        ]
        return int(total or 0)

    def remaining_cents(self) -> int:
        """Credit left: granted minus every ticket that is not void (used and expired count)."""
        return self.granted_cents - self.committed_cents_now()


# The pupil imports live in their own module (kept short). Django imports only models.py:
# importing them here registers ImportJob (last, as before) and keeps
# `from passplus.pupils.models import ImportJob, ...` working, as well as migration 0002,
# which refers to `passplus.pupils.models.import_upload_path`. `X as X` re-exports them
# explicitly (mypy --strict); isort would split the statement in four.
# isort: off
from passplus.pupils.import_jobs import (  # noqa: E402
    ImportJob as ImportJob,
    ImportMode as ImportMode,
    ImportStatus as ImportStatus,
    import_upload_path as import_upload_path,
)

# isort: on


def new_wallets(school_year: SchoolYear, pupil: Pupil) -> list[Wallet]:
    """Unsaved wallets crediting `pupil` with the year's allowances (bulk imports)."""
    return [
        Wallet(pupil=pupil, school_year=school_year, domain=domain, granted_cents=cents)
        for domain, cents in school_year.allowances(scholarship=pupil.is_scholarship).items()
    ]
