from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils import timezone

from passplus.accounts.models import Role, User
from passplus.audit.models import AuditEvent
from passplus.core.errors import DomainError
from passplus.core.lifecycle import LifecycleModel


class PaymentRunStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    CHECKED = "checked", "Vérifiée"
    APPROVED = "approved", "Approuvée"
    SENT = "sent", "Transmise à la banque"
    CLOSED = "closed", "Clôturée"


RS = PaymentRunStatus

AFTER_APPROVAL = [RS.APPROVED, RS.SENT, RS.CLOSED]
TRANSMITTED = [RS.SENT, RS.CLOSED]

NOT_FINANCE = "Seul un membre de l'équipe finance peut {verb}."
BUILDER_APPROVES = (
    "Vous avez constitué cette campagne : un autre agent des finances doit l'approuver."
)
CHECKER_APPROVES = (
    "Vous avez vérifié cette campagne : un autre agent des finances doit l'approuver."
)
SYSTEM_BUILT = (
    "Campagne constituée automatiquement : elle doit d'abord être vérifiée par un agent des "
    "finances, puis approuvée par un autre."
)
BUILT_BY_A_PERSON = (
    "Campagne constituée par un agent : elle n'a pas à être vérifiée, un autre agent des "
    "finances l'approuve directement."
)
NOT_TWO_PEOPLE = "La campagne n'a pas été approuvée par une deuxième personne : {what} impossible."
NOT_DOWNLOADED = (
    "Le fichier SEPA de cette campagne n'a pas encore été téléchargé par un agent des finances"
    "{other} : elle ne peut pas être marquée transmise."
)
ONLY_BUILDER_DOWNLOADED = (
    "Le fichier SEPA de cette campagne n'a été téléchargé que par {builder}, qui l'a constituée : "
    "un autre agent des finances doit le télécharger avant qu'elle soit marquée transmise."
)


def is_finance(actor: User) -> bool:
    """Four eyes are two finance people: an admin's wider rights do not make them one."""

    return actor is not None and actor.is_active and actor.role == Role.FINANCE


def sepa_upload_path(instance: PaymentRun, filename: str) -> str:
    return f"sepa/{instance.cut_off:%Y/%m}/{filename}"


class PaymentRun(LifecycleModel):
    """One 15-day reimbursement cycle, identified by its cut-off.

    The model holds the rules (who may check or approve, when transfers may be reconciled);
    each move is one service, the only way to make it: payments.build (build), payments.services
    (check, approve, SEPA file, transmit, close), payments.settlement (paid, rejected)."""

    cut_off = models.DateTimeField("date de coupure", unique=True)
    period_start = models.DateTimeField("début de période", null=True, blank=True)
    status = models.CharField("état", max_length=20, choices=RS.choices, default=RS.DRAFT)
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="préparée par",
    )
    built_at = models.DateTimeField("préparée le", auto_now_add=True)
    # Only for a run built by the scheduler (built_by NULL): the first finance person.
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="vérifiée par",
    )
    checked_at = models.DateTimeField("vérifiée le", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="approuvée par",
    )
    approved_at = models.DateTimeField("approuvée le", null=True, blank=True)
    # Set only by migration payments 0003 on runs already transmitted before the check step
    # existed with a single finance person; never by the code.
    approved_alone_before_check_step = models.BooleanField(
        "approuvée par une seule personne avant la vérification obligatoire",
        default=False,
        editable=False,
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="transmise par",
    )
    sent_at = models.DateTimeField("transmise le", null=True, blank=True)
    closed_at = models.DateTimeField("clôturée le", null=True, blank=True)
    # A run asked for by a finance user between two cut-offs (entries up to that minute), and why.
    exceptional_reason = models.CharField(
        "motif de la campagne exceptionnelle", max_length=300, blank=True
    )
    sepa_file = models.FileField("fichier SEPA", upload_to=sepa_upload_path, blank=True)
    sepa_sha256 = models.CharField("empreinte SHA-256", max_length=64, blank=True)
    # The first download of the file, before the transmission, by a finance user other than the
    # builder (any finance user for a run the scheduler built): the transmission's condition.
    # Every download stays in the journal (payment_run.sepa_download).
    sepa_downloaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="fichier SEPA téléchargé par",
    )
    sepa_downloaded_at = models.DateTimeField("fichier SEPA téléchargé le", null=True, blank=True)
    # The SHA-256 of the stored file's bytes when the run was marked transmitted.
    sent_sha256 = models.CharField(
        "empreinte SHA-256 du fichier transmis", max_length=64, blank=True
    )
    # Set only by migration payments 0009 on runs transmitted before a transmission required
    # the downloaded file (issue 31): no hash is known for them; never by the code.
    sent_before_file_rule = models.BooleanField(
        "transmise avant le contrôle du fichier SEPA", default=False, editable=False
    )

    class Meta:
        verbose_name = "campagne de remboursement"
        verbose_name_plural = "campagnes de remboursement"
        ordering = ["-cut_off"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PaymentRunStatus.values), name="payment_run_status_valid"
            ),
            # Four eyes (docs/design.md §4): two different finance people stand between a run and
            # its file: its builder and its approver, or (built by the scheduler) its checker
            # and its approver.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True)
                | Q(built_by__isnull=True)
                | ~Q(approved_by=F("built_by")),
                name="payment_run_four_eyes",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True)
                | Q(checked_by__isnull=True)
                | ~Q(approved_by=F("checked_by")),
                name="payment_run_approver_not_checker",
            ),
            models.CheckConstraint(
                condition=Q(checked_by__isnull=True) | Q(built_by__isnull=True),
                name="payment_run_checked_only_if_built_by_system",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True)
                | Q(built_by__isnull=False)
                | Q(checked_by__isnull=False)
                | Q(approved_alone_before_check_step=True),
                name="payment_run_approved_by_second_person",
            ),
            models.CheckConstraint(
                condition=Q(status=RS.DRAFT, checked_by__isnull=True, approved_by__isnull=True)
                | Q(status=RS.CHECKED, checked_by__isnull=False, approved_by__isnull=True)
                | Q(status__in=AFTER_APPROVAL, approved_by__isnull=False)
                | Q(status__in=TRANSMITTED, approved_alone_before_check_step=True),
                name="payment_run_steps_match_status",
            ),
            # An exceptional run is asked for by a person, never by the scheduler.
            models.CheckConstraint(
                condition=Q(exceptional_reason="") | Q(built_by__isnull=False),
                name="payment_run_exceptional_built_by_a_person",
            ),
            models.CheckConstraint(
                condition=Q(approved_alone_before_check_step=False)
                | Q(status__in=TRANSMITTED, checked_by__isnull=True),
                name="payment_run_single_approval_only_transmitted",
            ),
            # Transmitted with its file (issue 31): produced, downloaded by someone other than
            # the builder, and its SHA-256 recorded by the transmission; or transmitted before
            # that rule (migration payments 0009), with no hash.
            models.CheckConstraint(
                condition=~Q(status__in=TRANSMITTED)
                | Q(sent_before_file_rule=True)
                | (
                    Q(sepa_downloaded_by__isnull=False, sent_sha256=F("sepa_sha256"))
                    & Q(Exact(Length("sent_sha256"), 64))
                    & ~Q(sepa_file="")
                ),
                name="payment_run_transmitted_with_its_file",
            ),
            models.CheckConstraint(
                condition=Q(sepa_downloaded_by__isnull=True)
                | Q(built_by__isnull=True)
                | ~Q(sepa_downloaded_by=F("built_by")),
                name="payment_run_downloaded_by_other_than_builder",
            ),
            models.CheckConstraint(
                condition=Q(sepa_downloaded_by__isnull=True, sepa_downloaded_at__isnull=True)
                | (
                    Q(sepa_downloaded_by__isnull=False, sepa_downloaded_at__isnull=False)
                    & ~Q(sepa_file="")
                    & ~Q(sepa_sha256="")
                ),
                name="payment_run_downloaded_file_exists",
            ),
            models.CheckConstraint(
                condition=Q(sent_before_file_rule=False)
                | Q(status__in=TRANSMITTED, sent_sha256=""),
                name="payment_run_sent_before_file_rule_only_transmitted",
            ),
            models.CheckConstraint(
                condition=Q(sent_sha256="") | Q(status__in=TRANSMITTED),
                name="payment_run_sent_hash_only_transmitted",
            ),
        ]

    def __str__(self) -> str:
        cut_off = timezone.localtime(self.cut_off)
        if self.exceptional_reason:
            return f"Remboursements exceptionnels du {cut_off:%d/%m/%Y à %H:%M}"
        return f"Remboursements du {cut_off:%d/%m/%Y}"

    @property
    def is_exceptional(self) -> bool:
        return bool(self.exceptional_reason)

    @property
    def total_cents(self) -> int:
        return int(self.payments.aggregate(total=models.Sum("amount_cents"))["total"] or 0)

    @property
    def built_by_system(self) -> bool:
        return self.built_by_id is None

    @property
    def approved_by_second_person(self) -> bool:
        """Approved by someone other than the run's builder, or (built by the scheduler) its
        checker: the condition for its SEPA file, its transmission and its reconciliation."""
        first = self.checked_by_id if self.built_by_system else self.built_by_id
        return None not in (first, self.approved_by_id) and first != self.approved_by_id

    def check_refusal(self, actor: User) -> str | None:
        """Why `actor` may not check this run (a state aside), or None."""
        if not is_finance(actor):
            return NOT_FINANCE.format(verb="vérifier une campagne")
        if not self.built_by_system:
            return BUILT_BY_A_PERSON
        return None

    def approval_refusal(self, actor: User) -> str | None:
        """Why `actor` may not approve this draft or checked run, or None."""
        if not is_finance(actor):
            return NOT_FINANCE.format(verb="approuver")
        if not self.built_by_system:
            return BUILDER_APPROVES if actor.pk == self.built_by_id else None
        if self.checked_by_id is None:
            return SYSTEM_BUILT
        return CHECKER_APPROVES if actor.pk == self.checked_by_id else None

    def download_counts(self, actor: User) -> bool:
        """Whether `actor`'s download of the file is the one the transmission needs: the first,
        before the transmission, by a finance user other than the builder. A run built by the
        scheduler has no builder: its checker, its approver or a third finance user may."""
        return (
            self.status == RS.APPROVED
            and self.sepa_downloaded_by_id is None
            and is_finance(actor)
            and actor.pk != self.built_by_id
        )

    def transmission_refusal(self) -> str | None:
        """Why this approved run may not be marked transmitted yet (its file), or None."""
        if self.sepa_downloaded_by_id is not None:
            return None
        builder = self.built_by
        if builder is None:
            return NOT_DOWNLOADED.format(other="")
        by_builder = (
            AuditEvent.objects.for_object(self)
            .filter(action="payment_run.sepa_download", actor=builder)
            .exists()
        )
        if by_builder:
            return ONLY_BUILDER_DOWNLOADED.format(builder=builder.full_name)
        return NOT_DOWNLOADED.format(other=f" autre que {builder.full_name}, qui l'a constituée")

    def check_reconcilable(self) -> None:
        """Refuse (DomainError) to mark its transfers paid or rejected unless the run is with
        the bank and a second person approved it."""
        if self.status != RS.SENT:
            raise DomainError(
                "Le virement ne peut être rapproché qu'une fois la campagne transmise à la banque."
            )
        if not (self.approved_by_second_person or self.approved_alone_before_check_step):
            raise DomainError(NOT_TWO_PEOPLE.format(what="rapprochement"))


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "En attente"
    PAID = "paid", "Payé"
    REJECTED = "rejected", "Rejeté"


PS = PaymentStatus


class PaymentQuerySet(models.QuerySet["Payment"]):
    def matching(self, text: str) -> PaymentQuerySet:
        """The back office's look-up: part of the transfer reference (PASSPLUS-…)."""
        compact = "".join(text.split())
        if len(compact) < 4:
            return self.none()
        return self.filter(end_to_end_id__icontains=compact)


class Payment(LifecycleModel):
    """One transfer to one organisation inside a run, with a snapshot of its bank details.
    Marked paid or rejected by the services of payments.settlement, under its run's lock."""

    run = models.ForeignKey(PaymentRun, on_delete=models.PROTECT, related_name="payments")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="payments"
    )
    bank_account = models.ForeignKey(
        "organisations.BankAccount", on_delete=models.PROTECT, related_name="payments"
    )
    holder = models.CharField("titulaire", max_length=140)
    iban = models.CharField("IBAN", max_length=34)
    bic = models.CharField("BIC", max_length=11)
    amount_cents = models.PositiveIntegerField("montant (centimes)")
    ticket_count = models.PositiveIntegerField("nombre de tickets")
    end_to_end_id = models.CharField("référence de bout en bout", max_length=35, unique=True)
    status = models.CharField("état", max_length=20, choices=PS.choices, default=PS.PENDING)
    settled_at = models.DateTimeField("rapproché le", null=True, blank=True)
    rejection_reason = models.CharField("motif du rejet", max_length=200, blank=True)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = "virement"
        ordering = ["run", "organisation__legal_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "organisation"], name="payment_one_per_organisation_per_run"
            ),
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(ticket_count__gt=0), name="payment_ticket_count_positive"
            ),
            models.CheckConstraint(
                condition=Q(status__in=PaymentStatus.values), name="payment_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Virement {self.end_to_end_id}"


from passplus.payments.progress import BuildProgress, PreparationRequest  # noqa: E402, F401
