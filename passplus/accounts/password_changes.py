"""A password changed on an existing account, from the account page or through the e-mailed
"mot de passe oublié" link, is audited and e-mailed to its holder in the change's transaction
(every role): when, and what to do if it was not them. Someone who learnt the password, or read
a reset link (a forwarded e-mail, a log), would otherwise lock the holder out silently.

An account created from an invitation chooses its first password in the same form: that is no
change, nothing is sent (www/partner/invitation.py)."""

from __future__ import annotations

from typing import Any, Literal

from django.conf import settings
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from passplus.accounts.models import User
from passplus.audit.models import record
from passplus.notifications.tasks import email_later

type How = Literal["change", "reset"]


def password_change_notify(*, user: User, how: How, first: bool = False) -> None:
    """Audit the new password of `user` and queue the e-mail telling them (call it inside the
    change's transaction). `how`: from the account page, or by the e-mailed link; `first`: the
    account had no password yet (a family or a staff member choosing theirs)."""
    when = timezone.localtime()
    event = record(actor=user, action="account.password_change", obj=user, after={"how": how})
    context = {
        "email": user.email,
        "how": how,
        "first": first,
        "date": f"{when:%d/%m/%Y}",
        "time": f"{when:%H:%M}",
        "reset_url": settings.SITE_URL + reverse("accounts:password_reset"),
        "scheme_name": settings.PASSPLUS_SCHEME_NAME,
        "contact_email": settings.PASSPLUS_CONTACT_EMAIL,
        "staff": user.is_departement_staff,
    }
    what = "choisi" if first else "modifié"
    email_later(
        to=[user.email],
        subject=f"{settings.PASSPLUS_SCHEME_NAME} : le mot de passe de votre compte a été {what}",
        body=render_to_string("accounts/emails/password_changed.txt", context),
        about=f"password-changed:{event.pk}",
    )


class NotifiedPasswordChangeForm(PasswordChangeForm):
    """Django's change form (old password checked first); the holder is told."""

    def save(self, commit: bool = True) -> User:
        with transaction.atomic():
            user = super().save(commit=commit)
            if commit:
                password_change_notify(user=user, how="change")
        return user


class NotifiedSetPasswordForm(SetPasswordForm[User]):
    """The form behind the e-mailed link (Django checked the token); the holder is told."""

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        # Read before the new password replaces it: a first password is said as such.
        self.first_password = not user.has_usable_password()

    def save(self, commit: bool = True) -> User:
        with transaction.atomic():
            user = super().save(commit=commit)
            if commit:
                password_change_notify(user=user, how="reset", first=self.first_password)
        return user
