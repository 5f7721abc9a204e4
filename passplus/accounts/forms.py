from django import forms
from django.contrib.auth.forms import AuthenticationForm


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
