from collections.abc import Iterator
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.template.loader import render_to_string

from passplus.core.tasks import email_later


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="Adresse e-mail",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    error_messages = {
        "invalid_login": "Adresse e-mail ou mot de passe incorrect.",
        "inactive": "Ce compte est désactivé.",
    }

    def clean_username(self) -> str:
        """E-mails are stored lower-case: a phone's capital first letter must not fail a login
        (and must count against the same account for the lockout, see accounts/lockouts.py)."""
        return str(self.cleaned_data["username"]).strip().lower()


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the e-mail goes through the task queue (retried on failure)."""

    def get_users(self, email: str) -> Iterator[Any]:
        """Django's rule (active, usable password), plus families created by an import who never
        logged in: their welcome link may have expired, and this is how they get a new one."""
        from passplus.accounts.models import Role, User

        for user in User.objects.filter(email__iexact=email, is_active=True):
            never_set = user.role == Role.FAMILY and user.last_login is None
            if user.has_usable_password() or never_set:
                yield user

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        context = {**context, "scheme_name": settings.PASSPLUS_SCHEME_NAME}
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        email_later(to=[to_email], subject=subject, body=body)
