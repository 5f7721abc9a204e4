"""The campaign (a school year): its dates, amounts and deadlines. Everything yearly hangs
from it (pupils' wallets, tickets, imports, statistics); it depends on nothing but core."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from passplus.core.enums import WalletDomain


class SchoolYearQuerySet(models.QuerySet["SchoolYear"]):
    def current(self, today: dt.date | None = None) -> SchoolYear | None:
        today = today or timezone.localdate()
        return self.filter(starts_on__lte=today, ends_on__gte=today).first() or self.first()

    def past_deadlines(self, today: dt.date) -> SchoolYearQuerySet:
        """Years whose generation and entry deadlines are both past: their unused tickets
        expire and their unused credit is lost (passplus/tickets/expiry.py)."""
        return self.filter(generation_deadline__lt=today, redemption_deadline__lt=today)


class SchoolYear(models.Model):
    """One school year (« année scolaire »): its dates, amounts and deadlines (data, not code)."""

    label = models.CharField("nom", max_length=20, unique=True)
    starts_on = models.DateField("début")
    ends_on = models.DateField("fin")
    standard_cents = models.PositiveIntegerField("crédit standard (centimes)", default=8000)
    scholarship_cents = models.PositiveIntegerField("crédit boursier (centimes)", default=10000)
    split_domains = models.BooleanField(
        "crédits sport et culture séparés",
        default=False,
        help_text="Deux crédits qui ne se cumulent pas, un par domaine.",
    )
    sport_standard_cents = models.PositiveIntegerField(null=True, blank=True)
    sport_scholarship_cents = models.PositiveIntegerField(null=True, blank=True)
    culture_standard_cents = models.PositiveIntegerField(null=True, blank=True)
    culture_scholarship_cents = models.PositiveIntegerField(null=True, blank=True)
    generation_deadline = models.DateField("date limite de création des tickets")
    redemption_deadline = models.DateField("date limite de saisie par les organismes")

    objects = SchoolYearQuerySet.as_manager()

    class Meta:
        # The table kept its name when the model left the pupils app (docs/decisions.md).
        db_table = "pupils_schoolyear"
        verbose_name = "année scolaire"
        verbose_name_plural = "années scolaires"
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__lt=F("ends_on")), name="school_year_dates_ordered"
            ),
            models.CheckConstraint(
                condition=Q(generation_deadline__lte=F("redemption_deadline")),
                name="school_year_generation_before_redemption",
            ),
            models.CheckConstraint(
                condition=Q(standard_cents__gt=0, scholarship_cents__gte=F("standard_cents")),
                name="school_year_amounts_positive",
            ),
            models.CheckConstraint(
                condition=Q(split_domains=False)
                | Q(
                    sport_standard_cents__gt=0,
                    sport_scholarship_cents__gt=0,
                    culture_standard_cents__gt=0,
                    culture_scholarship_cents__gt=0,
                ),
                name="school_year_split_amounts_set",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def allowances(self, *, scholarship: bool) -> dict[str, int]:
        """The wallets a pupil gets this year, by wallet domain, in cents."""
        if not self.split_domains:
            return {
                WalletDomain.ALL: self.scholarship_cents if scholarship else self.standard_cents
            }
        if scholarship:
            return {
                WalletDomain.SPORT: self.sport_scholarship_cents or 0,
                WalletDomain.CULTURE: self.culture_scholarship_cents or 0,
            }
        return {
            WalletDomain.SPORT: self.sport_standard_cents or 0,
            WalletDomain.CULTURE: self.culture_standard_cents or 0,
        }

    def accepts_generation(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.starts_on <= today <= self.generation_deadline

    def accepts_redemption(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.starts_on <= today <= self.redemption_deadline

    @property
    def credit_lost_on(self) -> dt.date:
        """The first day no ticket can be created: credit not turned into tickets is lost."""
        return self.generation_deadline + dt.timedelta(days=1)

    @property
    def tickets_expire_on(self) -> dt.date:
        """The first day no ticket can be entered: unused tickets expire."""
        return self.redemption_deadline + dt.timedelta(days=1)
