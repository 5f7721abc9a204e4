"""The "mot de passe oublié" request: rate-limited per address and per client address in the
shared cache, then ONE task queued with the typed address, whether an account exists or not
(the look-up, the token and the e-mail are the task's: accounts.tasks).

The address's limit is also counted in the database, from the requests queued within the window
(the tasks' rows, kept 30 days): a flush or a restart of Redis does not reset it. Without the
shared cache the request is refused in French (the per-client limit cannot be counted), never
let through uncounted."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django_ratelimit.core import is_ratelimited
from django_tasks_db.models import DBTaskResult

from passplus.accounts.tasks import password_reset_send
from passplus.core.http import client_ip
from passplus.core.shared_cache import CACHE_ERRORS, UNAVAILABLE

TOO_MANY = (
    "Trop de demandes de nouveau mot de passe pour cette adresse ou depuis votre connexion. "
    "Si un compte existe, un e-mail lui a déjà été envoyé : vérifiez votre messagerie (et "
    "les indésirables), ou réessayez dans une heure."
)


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        label="Adresse e-mail",
        max_length=254,
        error_messages={
            "required": "Indiquez l'adresse e-mail de votre compte.",
            "invalid": "Saisissez une adresse e-mail valide, par exemple nom@exemple.fr.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()


def within_limits(request: HttpRequest, email: str) -> bool:
    """Count this request for the typed address and for the client address (both, always) in
    the shared cache (django-ratelimit: fixed windows, atomic increments in Redis), and check the
    address's requests queued in the database. Raises one of CACHE_ERRORS without the cache."""
    window = settings.PASSPLUS_PASSWORD_RESET_WINDOW_MINUTES * 60
    over = [
        is_ratelimited(
            request,
            group=group,
            key=lambda _group, _request, value=value: value,
            rate=(limit, window),
            increment=True,
        )
        for group, value, limit in (
            ("password-reset-address", email, settings.PASSPLUS_PASSWORD_RESET_PER_ADDRESS),
            (
                "password-reset-ip",
                client_ip(request) or "",
                settings.PASSPLUS_PASSWORD_RESET_PER_IP,
            ),
        )
    ]
    queued = queued_for_address(email)  # what a flush of the cache cannot reset
    return not any(over) and queued < settings.PASSPLUS_PASSWORD_RESET_PER_ADDRESS


def queued_for_address(email: str) -> int:
    """Requests for `email` queued within the window (first attempts only: a retry of the same
    request is not another request), counted where a Redis flush cannot erase them."""
    since = timezone.now() - dt.timedelta(minutes=settings.PASSPLUS_PASSWORD_RESET_WINDOW_MINUTES)
    return (
        DBTaskResult.objects.filter(
            task_path=password_reset_send.module_path,
            enqueued_at__gte=since,
            args_kwargs__kwargs__email=email,
        )
        .exclude(args_kwargs__kwargs__has_key="attempt")
        .count()
    )


def password_reset_request(request: HttpRequest) -> HttpResponse:
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            allowed = within_limits(request, email)
        except CACHE_ERRORS:
            form.add_error(None, UNAVAILABLE)
        else:
            if allowed:
                password_reset_send.enqueue(email=email, requested_at=timezone.now().isoformat())
                return redirect("accounts:password_reset_done")
            form.add_error(None, TOO_MANY)
    return render(request, "accounts/password_reset_form.html", {"form": form})
