"""The "mot de passe oublié" request: rate-limited per address and per client address in the
shared cache, then ONE task queued with the typed address, whether an account exists or not
(the look-up, the token and the e-mail are the task's: accounts.tasks)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from passplus.accounts.tasks import password_reset_send
from passplus.core.http import client_ip
from passplus.core.rate_limits import hit

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


def within_limits(email: str, ip: str | None) -> bool:
    """Count this request for the address and for the client address (both, always)."""
    window = settings.PASSPLUS_PASSWORD_RESET_WINDOW_MINUTES * 60
    per_address = hit(
        "password-reset-address",
        email,
        limit=settings.PASSPLUS_PASSWORD_RESET_PER_ADDRESS,
        window_seconds=window,
    )
    per_ip = hit(
        "password-reset-ip",
        ip or "unknown",
        limit=settings.PASSPLUS_PASSWORD_RESET_PER_IP,
        window_seconds=window,
    )
    return per_address and per_ip


def password_reset_request(request: HttpRequest) -> HttpResponse:
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if within_limits(email, client_ip(request)):
            password_reset_send.enqueue(email=email)
            return redirect("accounts:password_reset_done")
        form.add_error(None, TOO_MANY)
    return render(request, "accounts/password_reset_form.html", {"form": form})
