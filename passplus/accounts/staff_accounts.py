"""Département staff accounts: one admin asks, another activates (issue 30, four eyes).

An admin creates a staff account, or gives an existing account a staff role, from the back
office (/gestion/equipe/); until a second admin activates it, the account cannot log in
(`User.awaits_staff_activation`, enforced by the authentication backend: a password is refused
and an open session ends). Whoever asked never activates (here and by a database constraint).
Both steps are audited and e-mailed: the request to every active admin (so the requester hears
of a request made in their name, and the others of an account to activate), the activation to
both admins and to the account holder. Django's admin creates no staff account and changes no
role (accounts.admin).
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from passplus.accounts.models import STAFF_ROLES, Role, User, password_link
from passplus.audit.models import record
from passplus.core.errors import DomainError
from passplus.notifications.tasks import email_later

# Accounts whose data hangs on them (an organisation's member, a family's wallets): a staff
# role is given to an account with another address instead.
NOT_PROMOTABLE = {
    Role.ORGANISATION: "appartient à un organisme",
    Role.FAMILY: "est un compte famille",
}


def _check_admin(actor: User) -> None:
    if not (actor.is_active and actor.role == Role.ADMIN and not actor.awaits_staff_activation):
        raise DomainError("Seul un administrateur actif gère les comptes du département.")


def _check_staff_role(role: str) -> None:
    if role not in STAFF_ROLES:
        raise DomainError("Choisissez un rôle du département : gestion, finance ou administration.")


def staff_account_create(
    *, actor: User, email: str, first_name: str, last_name: str, role: str
) -> User:
    """A new staff account, waiting for a second admin; no password until it is activated."""
    _check_admin(actor)
    _check_staff_role(role)
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise DomainError(
            f"Un compte existe déjà avec l'adresse {email} : donnez-lui un rôle du département "
            "avec « Changer le rôle d'un compte existant »."
        )
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email,
                first_name=first_name.strip(),
                last_name=last_name.strip(),
                role=role,
                staff_requested_by=actor,
                staff_requested_at=timezone.now(),
            )
            record(actor=actor, action="staff_account.create", obj=user, after={"role": role})
            _tell_admins_of_the_request(user=user, actor=actor, before="")
    except IntegrityError as error:  # the same address created at the same moment
        raise DomainError(f"Un compte existe déjà avec l'adresse {email}.") from error
    return user


def staff_account_promote(*, actor: User, user: User, role: str) -> User:
    """Give an existing account a staff role (or another one): it cannot log in until a second
    admin activates the new role."""
    _check_admin(actor)
    _check_staff_role(role)
    if user.pk == actor.pk:
        raise DomainError(
            "Vous ne pouvez pas changer votre propre rôle : demandez-le à un autre administrateur."
        )
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.role in NOT_PROMOTABLE:
            raise DomainError(
                f"Le compte {user.email} {NOT_PROMOTABLE[Role(user.role)]} : créez plutôt un "
                "compte du département avec une autre adresse."
            )
        if not user.is_active:
            raise DomainError(f"Le compte {user.email} est désactivé.")
        if user.awaits_staff_activation:
            raise DomainError(
                f"Le compte {user.email} attend déjà son activation par un administrateur."
            )
        if user.role == role:
            raise DomainError(f"Le compte {user.email} a déjà ce rôle.")
        before = user.get_role_display()
        user.communes.clear()  # a former correspondent follows no commune any more
        user.role = role
        user.staff_requested_by, user.staff_requested_at = actor, timezone.now()
        user.staff_activated_by, user.staff_activated_at = None, None
        user.save()
        record(
            actor=actor,
            action="staff_account.promote",
            obj=user,
            before={"role": before},
            after={"role": role},
        )
        _tell_admins_of_the_request(user=user, actor=actor, before=before)
    return user


def staff_account_activate(*, actor: User, user: User, role: str) -> User:
    """Activate a waiting staff account, as the activating admin saw it (`role`): never by the
    admin who asked for it."""
    _check_admin(actor)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not user.awaits_staff_activation:
            raise DomainError(f"Le compte {user.email} n'attend pas d'activation.")
        if user.staff_requested_by_id == actor.pk or user.pk == actor.pk:
            raise DomainError(
                "Vous avez demandé ce compte : un autre administrateur doit l'activer."
            )
        if user.role != role:
            raise DomainError(
                f"La demande pour {user.email} a changé depuis l'affichage de la page : "
                "relisez-la avant de l'activer."
            )
        user.staff_activated_by, user.staff_activated_at = actor, timezone.now()
        user.save(update_fields=["staff_activated_by", "staff_activated_at"])
        record(actor=actor, action="staff_account.activate", obj=user, after={"role": role})
        _tell_of_the_activation(user=user, actor=actor)
    return user


def _context(user: User, actor: User, **extra: object) -> dict[str, object]:
    return {
        "user": user,
        "actor": actor,
        "role": user.get_role_display(),
        "scheme_name": settings.PASSPLUS_SCHEME_NAME,
        "contact_email": settings.PASSPLUS_CONTACT_EMAIL,
        "staff_page": settings.SITE_URL + reverse("backoffice:staff"),
        **extra,
    }


def _tell_admins_of_the_request(*, user: User, actor: User, before: str) -> None:
    admins = User.objects.filter(
        role=Role.ADMIN, is_active=True, staff_activated_at__isnull=False
    ).values_list("email", flat=True)
    for email in admins:
        context = _context(user, actor, before=before, to_requester=email == actor.email)
        email_later(
            to=[email],
            subject=f"{settings.PASSPLUS_SCHEME_NAME} : compte du département à activer "
            f"({user.email})",
            body=render_to_string("accounts/emails/staff_account_requested.txt", context),
            about=f"staff-account-requested:{user.pk}:{user.staff_requested_at}",
        )


def _tell_of_the_activation(*, user: User, actor: User) -> None:
    requester = user.staff_requested_by
    admins = [actor.email] + ([requester.email] if requester and requester.is_active else [])
    email_later(
        to=admins,
        subject=f"{settings.PASSPLUS_SCHEME_NAME} : compte du département activé ({user.email})",
        body=render_to_string("accounts/emails/staff_account_activated.txt", _context(user, actor)),
        about=f"staff-account-activated:{user.pk}:{user.staff_activated_at}",
    )
    # A new account has no password yet: its holder chooses one through this link (a reset
    # token, valid PASSWORD_RESET_TIMEOUT; the queued body is sealed, notifications.tasks).
    link = "" if user.has_usable_password() else password_link(user)
    email_later(
        to=[user.email],
        subject=f"{settings.PASSPLUS_SCHEME_NAME} : votre compte du département est actif",
        body=render_to_string(
            "accounts/emails/staff_account_welcome.txt",
            _context(
                user,
                actor,
                link=link,
                login=settings.SITE_URL + reverse("accounts:login"),
                validity_days=settings.PASSWORD_RESET_TIMEOUT // 86400,
            ),
        ),
        about=f"staff-account-welcome:{user.pk}:{user.staff_activated_at}",
    )
