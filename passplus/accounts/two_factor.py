"""Staff's second factor: a TOTP authenticator app (django-otp), enrolled by QR code, plus ten
single-use recovery codes. Recovery codes are stored as keyed hashes (never in clear), like every
other one-time code of the platform; the TOTP key itself cannot be hashed (both sides compute
from it), it stays in django-otp's table."""

from __future__ import annotations

import base64
import secrets
from typing import TYPE_CHECKING, Any

import segno
from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from passplus.accounts.models import User, hash_token
from passplus.audit.models import record
from passplus.core.errors import DomainError
from passplus.notifications.tasks import email_later

if TYPE_CHECKING:
    from passplus.accounts.http import AuthenticatedHttpRequest

RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "Application d'authentification"
RECOVERY_DEVICE_NAME = "Codes de secours"


def confirmed_app(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_app(user: User) -> TOTPDevice:
    """The device being enrolled (created on first visit, kept until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


def base32_secret(device: TOTPDevice) -> str:
    """The key as authenticator apps take it when typed by hand."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def qr_code_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code (no external service ever sees the key)."""
    return str(segno.make(device.config_url, error="m").svg_inline(scale=5, dark="#000"))


def _recovery_hash(code: str) -> str:
    # StaticToken.token holds 16 characters: 64 bits of the keyed hash are plenty for codes that
    # only work for this account and are throttled by django-otp.
    return hash_token("recovery:" + "".join(code.split()).lower())[:16]


def _new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes; return the new ones in clear (shown once)."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [f"{secrets.token_hex(2)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=_recovery_hash(code)) for code in codes
    )
    return codes


def confirm_app(request: AuthenticatedHttpRequest, token: str) -> list[str]:
    """First code typed from the app: the device is confirmed, the session verified, and the
    recovery codes are returned (to show once)."""
    user = request.user
    device = pending_app(user)
    _check_not_throttled(device)
    if not device.verify_token(_digits(token)):
        raise DomainError(
            "Code incorrect : vérifiez l'heure de votre téléphone et saisissez le code affiché "
            "en ce moment par l'application."
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        record(actor=user, action="two_factor.enrol", obj=user)
    otp_login(request, device)
    return codes


def verify(request: AuthenticatedHttpRequest, token: str) -> bool:
    """A code from the app, or a recovery code (used once). True when the session is verified."""
    user = request.user
    app = confirmed_app(user)
    if app is not None:
        _check_not_throttled(app)
    if app is not None and _digits(token).isdigit() and app.verify_token(_digits(token)):
        otp_login(request, app)
        return True
    recovery = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if recovery is not None and recovery.verify_token(_recovery_hash(token)):
        otp_login(request, recovery)
        record(actor=user, action="two_factor.recovery_code_used", obj=user)
        return True
    return False


def _check_not_throttled(device: Any) -> None:
    """django-otp doubles the wait after each wrong code (1 s, 2 s, 4 s…): say so."""
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        raise DomainError(
            "Trop de codes incorrects à la suite : patientez quelques secondes, puis saisissez "
            "le code affiché à ce moment-là."
        )


def two_factor_reset(*, user: User, actor: User, reason: str) -> int:
    """Delete a staff member's authenticator app and recovery codes (lost phone): at their next
    back-office visit they enrol a new app. Another admin only (four eyes: an admin cannot reset
    their own), with a reason; audited, and the staff member is told by e-mail. Returns the
    number of devices deleted."""
    reason = reason.strip()
    if not reason:
        raise DomainError("Indiquez le motif de la réinitialisation.")
    if user.pk == actor.pk:
        raise DomainError(
            "Vous ne pouvez pas réinitialiser votre propre double authentification : "
            "demandez-le à un autre administrateur."
        )
    if not user.is_departement_staff:
        raise DomainError("Seuls les comptes du département ont une double authentification.")
    with transaction.atomic():
        apps = TOTPDevice.objects.filter(user=user)
        recovery = StaticDevice.objects.filter(user=user)  # its codes go with it (cascade)
        counts: dict[str, int] = {
            "applications": apps.count(),
            "recovery_devices": recovery.count(),
        }
        apps.delete()
        recovery.delete()
        event = record(
            actor=actor,
            action="two_factor.reset",
            obj=user,
            before=counts,
            reason=reason,
        )
        context = {
            "user": user,
            "actor": actor,
            "reason": reason,
            "scheme_name": settings.PASSPLUS_SCHEME_NAME,
            "contact_email": settings.PASSPLUS_CONTACT_EMAIL,
        }
        email_later(
            to=[user.email],
            subject=f"{settings.PASSPLUS_SCHEME_NAME} : votre double authentification a été "
            "réinitialisée",
            body=render_to_string("accounts/emails/two_factor_reset.txt", context),
            about=f"two-factor-reset:{event.pk}",
        )
    return sum(counts.values())


def remaining_recovery_codes(user: User) -> int:
    remaining: int = StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
    return remaining


def _digits(token: str) -> str:
    return "".join(token.split())
