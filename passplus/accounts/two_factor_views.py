"""The second step of a staff login: enrol an authenticator app (QR code), or type its code (or a
recovery code). Every back-office view requires it, and so does every account page (/compte/)
but those listed in accounts.urls.OPEN_BEFORE_SECOND_FACTOR (accounts.access)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from passplus.accounts import two_factor
from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.core.errors import DomainError


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "spellcheck": "false", "class": "code-input"}
        ),
    )


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/gestion/"


@never_cache
@login_required
def two_factor_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if not getattr(user, "is_departement_staff", False):
        return redirect("accounts:home")
    next_url = _next_url(request)
    if user.is_verified():
        return redirect(next_url)
    enrolled = two_factor.confirmed_app(user) is not None
    form = CodeForm(request.POST or None)
    if enrolled:
        form.fields["code"].label = "Code à 6 chiffres de l'application, ou code de secours"
    else:
        form.fields["code"].label = "Code à 6 chiffres affiché par l'application"
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        if enrolled:
            try:
                if two_factor.verify(request, code):
                    return redirect(next_url)
            except DomainError as error:
                form.add_error("code", str(error))
            else:
                form.add_error("code", "Code incorrect ou déjà utilisé : réessayez.")
        else:
            try:
                codes = two_factor.confirm_app(request, code)
            except DomainError as error:
                form.add_error("code", str(error))
            else:
                return render(
                    request,
                    "accounts/two_factor_recovery_codes.html",
                    {"codes": codes, "next_url": next_url},
                )
    context: dict[str, object] = {"form": form, "next_url": next_url, "enrolled": enrolled}
    if not enrolled:
        device = two_factor.pending_app(user)
        context.update(
            qr_code=two_factor.qr_code_svg(device), secret=two_factor.base32_secret(device)
        )
    return render(request, "accounts/two_factor.html", context)
