"""Logging people in: through the real login form, as a new user of a role, or with a client whose
`force_login` also passes the staff second factor."""

from __future__ import annotations

from typing import Any

from django.test import Client

from passplus.accounts.models import Role
from tests.helpers import factories

# The factory traits that make a user of each role.
ROLE_TRAITS: dict[str, dict[str, Any]] = {
    Role.ORGANISATION: {"organisation_member": True},
    Role.CORRESPONDENT: {"correspondent": True},
    Role.FAMILY: {},
    Role.GESTIONNAIRE: {"gestionnaire": True},
    Role.FINANCE: {"finance": True},
    Role.ADMIN: {"admin": True},
}


def log_in_new_user(client: Client, role: str = Role.GESTIONNAIRE) -> Any:
    """A new user of `role`, logged in on `client` (staff pass the second factor on a
    VerifiedClient); returns the user."""
    user = factories.UserFactory(**ROLE_TRAITS[role])
    client.force_login(user)
    return user


def log_in(client: Any, email: str, password: str) -> bool:
    """Log in through the real login form (as a person would: django-axes watches it)."""
    from django.urls import reverse

    response = client.post(reverse("accounts:login"), {"username": email, "password": password})
    return response.status_code == 302


def confirmed_totp_device(user: Any) -> Any:
    """The user's authenticator app (created, confirmed, if it has none)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test", confirmed=True)


def current_totp(device: Any) -> str:
    """The 6 digits the authenticator app shows right now."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


class VerifiedClient(Client):
    """`force_login` of a département staff user also passes the second factor, as if the
    code had been typed (the second factor itself is tested in
    tests/accounts/test_two_factor.py)."""

    def force_login(self, user: Any, backend: str | None = None) -> None:
        super().force_login(user, backend)
        if getattr(user, "is_departement_staff", False):
            from django_otp import DEVICE_ID_SESSION_KEY

            session = self.session
            session[DEVICE_ID_SESSION_KEY] = confirmed_totp_device(user).persistent_id
            session.save()
