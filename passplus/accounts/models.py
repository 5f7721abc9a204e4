from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.auth.tokens import default_token_generator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from passplus.core.errors import DomainError

if TYPE_CHECKING:
    from passplus.organisations.models import Organisation


class Role(models.TextChoices):
    ORGANISATION = "organisation", "Membre d'un organisme affilié"
    CORRESPONDENT = "correspondent", "Correspondant communal"
    FAMILY = "family", "Famille"
    GESTIONNAIRE = "gestionnaire", "Gestionnaire (département)"
    FINANCE = "finance", "Finance (département)"
    ADMIN = "admin", "Administrateur"


STAFF_ROLES = frozenset({Role.GESTIONNAIRE, Role.FINANCE, Role.ADMIN})
# Staff who change data; finance staff read the same pages and run the payments.
MANAGER_ROLES = (Role.GESTIONNAIRE, Role.ADMIN)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("Une adresse e-mail est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        """The first admin, made on the server (`createsuperuser`): active at once, since no
        admin exists yet to activate it. Every later staff account comes from the back office
        (accounts.staff_accounts)."""
        extra.setdefault("role", Role.ADMIN)
        extra.setdefault("staff_activated_at", timezone.now())
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an e-mail address. One role per account."""

    email = models.EmailField("adresse e-mail", unique=True)
    first_name = models.CharField("prénom", max_length=150, blank=True)
    last_name = models.CharField("nom", max_length=150, blank=True)
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name="organisme",
    )
    communes = models.ManyToManyField(
        "territory.Commune",
        blank=True,
        related_name="correspondents",
        verbose_name="communes suivies",
    )
    # Published in the directory's "Je ne trouve pas le club" block instead of the login address,
    # which stays private (correspondents only; chosen by them, blank = not published).
    public_email = models.EmailField(
        "adresse de contact publique",
        blank=True,
        help_text="Publiée dans l'annuaire ; laissez vide pour ne publier aucune adresse.",
    )
    is_active = models.BooleanField("actif", default=True)
    date_joined = models.DateTimeField("inscrit le", default=timezone.now)
    # A staff account (or a role change) asked by one admin logs in only once another admin
    # activated it (issue 30; accounts.staff_accounts). Unset on a staff account = waiting.
    staff_requested_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="rôle demandé par",
    )
    staff_requested_at = models.DateTimeField("rôle demandé le", null=True, blank=True)
    staff_activated_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="rôle activé par",
    )
    staff_activated_at = models.DateTimeField("rôle activé le", null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="user_role_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(role=Role.ORGANISATION, organisation__isnull=False)
                | (~models.Q(role=Role.ORGANISATION) & models.Q(organisation__isnull=True)),
                name="user_organisation_matches_role",
            ),
            # Four eyes: whoever asked for a staff account or role never activates it, and
            # nobody activates their own.
            models.CheckConstraint(
                condition=models.Q(staff_activated_by__isnull=True)
                | (
                    models.Q(staff_activated_at__isnull=False)
                    & ~models.Q(staff_activated_by=models.F("id"))
                    & (
                        models.Q(staff_requested_by__isnull=True)
                        | ~models.Q(staff_activated_by=models.F("staff_requested_by"))
                    )
                ),
                name="user_staff_activated_by_another_admin",
            ),
        ]

    if TYPE_CHECKING:
        # Set on the user of each request by django-otp's OTPMiddleware: True once the session
        # passed the second factor (accounts.two_factor).
        def is_verified(self) -> bool: ...

    def __str__(self) -> str:
        return self.email

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    @property
    def public_name(self) -> str:
        """The name shown to the public: never the login address (blank when unnamed)."""
        return f"{self.first_name} {self.last_name}".strip()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.first_name or self.email

    @property
    def awaits_staff_activation(self) -> bool:
        """A staff role not activated yet by a second admin: no login, no page, no admin."""
        return self.role in STAFF_ROLES and self.staff_activated_at is None

    @property
    def is_staff(self) -> bool:
        """Django's admin is a power tool for `admin` users only."""
        return self.is_active and self.role == Role.ADMIN and not self.awaits_staff_activation

    @property
    def is_departement_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_manager(self) -> bool:
        """Gestionnaire or admin: may change data (finance staff read the same pages)."""
        return self.has_role(*MANAGER_ROLES)

    def has_role(self, *roles: str) -> bool:
        return (self.is_active and not self.awaits_staff_activation) and (
            self.role in roles or (self.role == Role.ADMIN and bool(set(roles) & STAFF_ROLES))
        )


def password_link(user: User) -> str:
    """The absolute link to choose a new password (Django's reset token, valid
    PASSWORD_RESET_TIMEOUT): made when the e-mail is sent, never stored."""
    return settings.SITE_URL + reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )


def hash_token(token: str) -> str:
    """Tokens and one-time codes are stored as SHA-256 (keyed by SECRET_KEY), never in clear."""
    return hashlib.sha256(f"{settings.SECRET_KEY}:{token}".encode()).hexdigest()


class InvitationPurpose(models.TextChoices):
    AFFILIATION = "affiliation", "Affiliation d'un organisme"
    MEMBER = "member", "Nouveau membre d'un organisme"
    FAMILY = "family", "Compte famille"
    CLAIM = "claim", "Reprise d'un organisme déjà partenaire"


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def usable(self) -> InvitationQuerySet:
        return self.filter(
            used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    """A single-use link sent by e-mail; only the hash of its token is stored."""

    VALIDITY = timedelta(days=30)

    purpose = models.CharField("objet", max_length=20, choices=InvitationPurpose.choices)
    email = models.EmailField("adresse e-mail")
    organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = "invitation"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} — {self.email}"

    @classmethod
    def issue(
        cls,
        *,
        purpose: str,
        email: str,
        organisation: Organisation | None = None,
        created_by: User | None = None,
    ) -> tuple[Invitation, str]:
        """Create an invitation and return it with its clear token (to put in the e-mail only)."""
        token = secrets.token_urlsafe(32)
        invitation = cls.objects.create(
            purpose=purpose,
            email=email.lower(),
            organisation=organisation,
            created_by=created_by,
            token_hash=hash_token(token),
            expires_at=timezone.now() + cls.VALIDITY,
        )
        return invitation, token

    @classmethod
    def find(cls, token: str) -> Invitation | None:
        return cls.objects.filter(token_hash=hash_token(token)).first()

    def check_usable(self) -> None:
        if self.revoked_at:
            raise DomainError("Ce lien d'invitation a été révoqué. Demandez-en un nouveau.")
        if self.used_at:
            raise DomainError("Ce lien d'invitation a déjà été utilisé. Connectez-vous.")
        if self.expires_at <= timezone.now():
            raise DomainError("Ce lien d'invitation a expiré. Demandez-en un nouveau.")

    def mark_used(self) -> None:
        updated = Invitation.objects.filter(pk=self.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        )
        if updated != 1:
            raise DomainError("Ce lien d'invitation a déjà été utilisé. Connectez-vous.")
        self.refresh_from_db(fields=["used_at"])
