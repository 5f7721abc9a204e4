from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from passplus.audit.models import record, record_each
from passplus.core.enums import Domain
from passplus.core.errors import DomainError
from passplus.core.lifecycle import LifecycleModel
from passplus.organisations import search
from passplus.organisations.enums import BankAccountStatus, LegalForm, OrganisationStatus

if TYPE_CHECKING:
    from passplus.accounts.models import User
    from passplus.organisations.models.bank_accounts import BankAccount

S = OrganisationStatus


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def may_redeem(self) -> OrganisationQuerySet:
        return self.filter(status=S.AFFILIATED)

    def listed(self) -> OrganisationQuerySet:
        """What the public directory shows: affiliated and willing to be listed."""
        return self.filter(status=S.AFFILIATED, listed_in_directory=True)

    def for_correspondent(self, user: User) -> OrganisationQuerySet:
        return self.filter(commune__in=user.communes.all())

    def staff_search(self, text: str) -> OrganisationQuerySet:
        """The back office's look-up: any part of a name or acronym, SIRET or RNA (spaces
        typed in a SIRET are ignored)."""
        compact = "".join(text.split())
        return self.filter(
            Q(legal_name__icontains=text)
            | Q(public_name__icontains=text)
            | Q(acronym__icontains=text)
            | Q(siret__contains=compact)
            | Q(rna__icontains=compact)
        )

    def search(self, text: str) -> OrganisationQuerySet:
        """Accent- and case-insensitive text search, most relevant first (see search.py)."""
        return search.text_search(self, text)

    def offering(
        self, *, domain: str = "", activity_types: list[str] | None = None, age: int | None = None
    ) -> OrganisationQuerySet:
        """Organisations with one activity matching every given criterion (see search.py)."""
        return search.activity_filter(
            self, domain=domain, activity_types=activity_types or (), age=age
        )


class Organisation(LifecycleModel):
    """A partner: legal identity, public card, legal representative, lifecycle."""

    status = models.CharField(
        "état", max_length=20, choices=OrganisationStatus.choices, default=S.IDENTIFIED
    )
    status_reason = models.TextField("motif du dernier changement d'état", blank=True)
    # Legal identity (changed only by the back office once affiliated).
    legal_name = models.CharField("raison sociale", max_length=200)
    acronym = models.CharField("sigle", max_length=40, blank=True)
    legal_form = models.CharField("forme juridique", max_length=20, choices=LegalForm.choices)
    siret = models.CharField("SIRET", max_length=14, blank=True)
    rna = models.CharField("numéro RNA", max_length=10, blank=True)
    creation_date = models.DateField("date de création")
    is_non_profit = models.BooleanField("à but non lucratif", default=True)
    eligibility_justification = models.TextField(
        "lien avec les programmes scolaires (secteur marchand)", max_length=2000, blank=True
    )
    secularism_declared_at = models.DateTimeField(
        "respect de la laïcité déclaré le", null=True, blank=True
    )
    equal_access_declared_at = models.DateTimeField(
        "égal accès filles-garçons déclaré le", null=True, blank=True
    )
    eligibility_reviewed_at = models.DateTimeField(
        "éligibilité (secteur marchand) vérifiée le", null=True, blank=True
    )
    eligibility_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="éligibilité vérifiée par",
    )
    offers_sport = models.BooleanField("activités sportives", default=False)
    offers_culture = models.BooleanField("activités culturelles", default=False)
    commune = models.ForeignKey(
        "territory.Commune",
        on_delete=models.PROTECT,
        related_name="organisations",
        verbose_name="commune de l'activité",
    )
    # Public card (feeds the directory).
    public_name = models.CharField("nom affiché", max_length=200, blank=True)
    description = models.TextField("description des activités", max_length=2000, blank=True)
    street = models.CharField("adresse", max_length=200, blank=True)
    postcode = models.CharField("code postal", max_length=5, blank=True)
    city = models.CharField("ville", max_length=120, blank=True)
    public_contact_name = models.CharField("contact public", max_length=150, blank=True)
    public_phone = models.CharField("téléphone public", max_length=20, blank=True)
    public_email = models.EmailField("e-mail public", blank=True)
    website = models.URLField("site internet", blank=True)
    listed_in_directory = models.BooleanField("figure dans l'annuaire", default=True)
    # Legal representative: signs the convention and confirms bank changes by SMS.
    representative_name = models.CharField("représentant légal", max_length=150, blank=True)
    representative_role = models.CharField("qualité", max_length=100, blank=True)
    representative_email = models.EmailField("e-mail du représentant", blank=True)
    representative_mobile = models.CharField(
        "portable du représentant (E.164)", max_length=16, blank=True
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    # When it was told that its entries cannot be paid without validated bank details (once).
    missing_bank_details_notified_at = models.DateTimeField(
        "prévenu de l'absence de coordonnées bancaires le", null=True, blank=True
    )
    affiliated_at = models.DateTimeField("affilié le", null=True, blank=True)
    # Directory search: public words folded to lower-case ASCII, written by save() and by the
    # activity signals below (passplus/organisations/search.py).
    search_name = models.TextField(editable=False, default="")
    search_activities = models.TextField(editable=False, default="")
    search_text = models.TextField(editable=False, default="")

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = "organisme"
        ordering = ["legal_name"]
        indexes = [
            # The directory: listed organisations counted and paged by name from the index.
            models.Index(
                fields=["status", "listed_in_directory", "commune", "search_name", "id"],
                name="organisation_directory_name",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["siret"], condition=~Q(siret=""), name="organisation_siret_unique"
            ),
            models.UniqueConstraint(
                fields=["rna"], condition=~Q(rna=""), name="organisation_rna_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=OrganisationStatus.values),
                name="organisation_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        search.prepare_save(self, kwargs)
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return self.public_name or self.legal_name

    @property
    def domains(self) -> list[str]:
        return [
            domain
            for domain, offered in (
                (Domain.SPORT, self.offers_sport),
                (Domain.CULTURE, self.offers_culture),
            )
            if offered
        ]

    @property
    def eligible_from(self) -> date:
        """The day the organisation has existed for the minimum number of years."""
        years = settings.PASSPLUS_MIN_ORGANISATION_AGE_YEARS
        try:
            return self.creation_date.replace(year=self.creation_date.year + years)
        except ValueError:  # 29 February
            return self.creation_date.replace(year=self.creation_date.year + years, day=28)

    def is_old_enough(self, on: date | None = None) -> bool:
        return self.eligible_from <= (on or timezone.localdate())

    @property
    def eligibility_declared(self) -> bool:
        return bool(self.secularism_declared_at and self.equal_access_declared_at)

    @property
    def needs_eligibility_review(self) -> bool:
        """Commercial organisations justify their link to the curriculum; staff check it."""
        return not self.is_non_profit and self.eligibility_reviewed_at is None

    def review_eligibility(self, *, actor: User) -> None:
        """A staff member checked a commercial organisation's link to the curriculum.

        Refused for a non-profit organisation (nothing to check), before any justification was
        given, and a second time. The row is locked, the change audited, in one transaction.
        """
        with transaction.atomic():
            locked = Organisation.objects.select_for_update().get(pk=self.pk)
            if locked.is_non_profit:
                raise DomainError(
                    "Cet organisme est à but non lucratif : il n'a pas de justification à vérifier."
                )
            if not locked.eligibility_justification.strip():
                raise DomainError("L'organisme n'a pas encore saisi de justification.")
            if locked.eligibility_reviewed_at is not None:
                reviewed_on = timezone.localtime(locked.eligibility_reviewed_at)
                raise DomainError(
                    f"La justification a déjà été vérifiée le {reviewed_on:%d/%m/%Y}."
                )
            now = timezone.now()
            locked.eligibility_reviewed_at = now
            locked.eligibility_reviewed_by = actor
            locked.save(update_fields=["eligibility_reviewed_at", "eligibility_reviewed_by"])
            self.eligibility_reviewed_at, self.eligibility_reviewed_by = now, actor
            record(
                actor=actor,
                action="organisation.review_eligibility",
                obj=locked,
                before={"eligibility_reviewed_at": None},
                after={"eligibility_reviewed_at": now.isoformat()},
            )

    @property
    def may_redeem(self) -> bool:
        return self.status == S.AFFILIATED

    @property
    def notification_emails(self) -> list[str]:
        """Every user of the organisation and its legal representative."""
        emails = set(self.members.filter(is_active=True).values_list("email", flat=True))
        if self.representative_email:
            emails.add(self.representative_email.lower())
        return sorted(emails)

    def current_bank_account(self) -> BankAccount | None:
        return self.bank_accounts.filter(status=BankAccountStatus.VALIDATED).first()

    # Lifecycle (docs/design.md §4).
    def start_signing(self, *, actor: User | None) -> None:
        self._move(
            S.SIGNING, allowed_from=[S.IDENTIFIED], actor=actor, action="organisation.start_signing"
        )

    @classmethod
    def import_affiliated(
        cls,
        rows: Sequence[tuple[Organisation, Mapping[str, Any]]],
        *,
        actor: User | None,
        batch_size: int = 1000,
    ) -> list[Organisation]:
        """The transition from nothing of the switch-over (docs/switch-over.md): organisations
        that signed their convention in the département's previous system are created directly
        `affiliated` (affiliated now), each audited as `organisation.import` with what its row
        says of its origin (the file's SHA-256 and line). Unsaved instances only; inserted by
        batches (no save(): their search columns are computed here from their own fields and
        the `search_activities` the caller set). Call inside the import's transaction."""
        if any(organisation.pk is not None for organisation, _ in rows):
            raise DomainError("Un organisme déjà enregistré ne peut pas être importé.")
        now = timezone.now()
        organisations = []
        for organisation, _ in rows:
            organisation.status, organisation.affiliated_at = S.AFFILIATED, now
            for name, value in search.own_search_columns(organisation).items():
                setattr(organisation, name, value)
            organisations.append(organisation)
        with transaction.atomic(savepoint=False):
            cls.objects.bulk_create(organisations, batch_size=batch_size)
            record_each(
                actor=actor,
                action="organisation.import",
                changes=(
                    (organisation, {}, {"status": S.AFFILIATED.value, **origin})
                    for organisation, origin in rows
                ),
            )
        return organisations

    def affiliate(self, *, actor: User) -> None:
        self._move(
            S.AFFILIATED,
            allowed_from=[S.SIGNING],
            actor=actor,
            action="organisation.affiliate",
            changes={"affiliated_at": timezone.now()},
        )

    def suspend(self, *, actor: User, reason: str) -> None:
        self._require_reason(reason)
        self._move(
            S.SUSPENDED,
            allowed_from=[S.AFFILIATED],
            actor=actor,
            action="organisation.suspend",
            changes={"status_reason": reason},
            reason=reason,
        )

    def reactivate(self, *, actor: User, reason: str = "") -> None:
        self._move(
            S.AFFILIATED,
            allowed_from=[S.SUSPENDED],
            actor=actor,
            action="organisation.reactivate",
            changes={"status_reason": reason},
            reason=reason,
        )

    def terminate(self, *, actor: User, reason: str) -> None:
        self._require_reason(reason)
        self._move(
            S.TERMINATED,
            allowed_from=[S.IDENTIFIED, S.SIGNING, S.AFFILIATED, S.SUSPENDED],
            actor=actor,
            action="organisation.terminate",
            changes={"status_reason": reason},
            reason=reason,
        )

    @staticmethod
    def _require_reason(reason: str) -> None:
        if not reason.strip():
            raise DomainError("Indiquez le motif.")


class Activity(models.Model):
    """One activity an organisation offers (what a redemption may be for)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="activities"
    )
    name = models.CharField("activité", max_length=120)
    domain = models.CharField("domaine", max_length=10, choices=Domain.choices)
    activity_type = models.CharField("type d'activité", max_length=60, blank=True)
    description = models.TextField("description", max_length=1000, blank=True)
    place = models.CharField("lieu", max_length=200, blank=True)
    min_age = models.PositiveSmallIntegerField("âge minimum", null=True, blank=True)
    max_age = models.PositiveSmallIntegerField("âge maximum", null=True, blank=True)

    class Meta:
        verbose_name = "activité"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(min_age__lte=models.F("max_age")),
                name="activity_age_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_domain_display()})"

    @property
    def ages_label(self) -> str:
        """'de 8 à 12 ans', 'à partir de 6 ans', 'jusqu'à 14 ans' or 'tous âges'."""
        low, high = self.min_age, self.max_age
        if low is not None and high is not None:
            return f"de {low} à {high} ans"
        if low is not None:
            return f"à partir de {low} ans"
        if high is not None:
            return f"jusqu'à {high} ans"
        return "tous âges"


@receiver([post_save, post_delete], sender=Activity, dispatch_uid="activity_directory_search")
def _activity_changed(sender: type[Activity], instance: Activity, **kwargs: Any) -> None:
    search.refresh_after_activity_change(Organisation, Activity, instance.organisation_id)
    search.forget_directory_activity_types()


@receiver(post_save, sender=Organisation, dispatch_uid="organisation_directory_types")
def _organisation_saved(sender: type[Organisation], instance: Organisation, **kwargs: Any) -> None:
    search.forget_directory_activity_types()


@receiver(
    [post_save, post_delete], sender="territory.Commune", dispatch_uid="commune_directory_choices"
)
def _commune_changed(**kwargs: Any) -> None:
    """A commune renamed: the directory's commune list (partners first) follows."""
    search.forget_directory_activity_types()
