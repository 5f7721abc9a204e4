"""The SMS code that confirms a change, one flow for the convention's signature and for new bank
details: "send" asks the domain for a code (then back to the page), "verify" hands the typed
code to the domain with the signer's evidence (address, browser). The page shows
`templates/partner/includes/sms_code.html`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect

from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.core.errors import DomainError
from passplus.core.http import client_ip
from passplus.core.privacy import mask_phone

if TYPE_CHECKING:
    from passplus.accounts.models import User
    from passplus.organisations.models import Organisation


class OneTimeCodeInput(forms.TextInput):
    """A typed code never comes back in the page: a wrong one is typed again from scratch,
    not corrected digit by digit (and it does not sit in the HTML)."""

    def format_value(self, value: Any) -> str | None:
        return None


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code reçu par SMS",
        max_length=12,
        widget=OneTimeCodeInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "class": "code-input",
                "pattern": "[0-9 ]*",
            }
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isdigit() and len(code) == 6):
            raise ValidationError("Le code comporte 6 chiffres.")
        return code


class SendCode(Protocol):
    """`bank_change_send_code`, `convention_send_code`: raise DomainError to refuse."""

    def __call__(self, *, organisation: Organisation, actor: User) -> object: ...


class ConfirmCode[T](Protocol):
    """`bank_change_confirm`, `convention_sign`: raise DomainError for a wrong code."""

    def __call__(
        self, *, organisation: Organisation, code: str, actor: User, ip: str | None, user_agent: str
    ) -> T: ...


@dataclass(frozen=True)
class SmsCodeStep:
    """What a request to an SMS-code page came to: `response` to return as is (after a send,
    or once the code confirmed), else the page to show again with the fragment's `context`."""

    form: CodeForm
    masked_mobile: str
    response: HttpResponse | None = None

    def context(self, *, code_sent: bool) -> dict[str, Any]:
        """What the template fragment needs (with its texts, given by the page)."""
        return {
            "code_form": self.form,
            "code_sent": code_sent,
            "masked_mobile": self.masked_mobile,
        }


def sms_code_step[T](
    request: AuthenticatedHttpRequest,
    organisation: Organisation,
    *,
    send: SendCode,
    confirm: ConfirmCode[T],
    page_url: str,
    confirmed_message: str,
    confirmed_url: Callable[[T], str],
) -> SmsCodeStep:
    """Run the POSTed action: "send" a code to the legal representative's mobile (then back to
    `page_url`), or "verify" the typed one with the signer's evidence (address, browser): once
    confirmed, `confirmed_message` and on to `confirmed_url(what confirm returned)`. A refusal
    is shown as a message (send) or on the code field (verify)."""
    masked_mobile = mask_phone(organisation.representative_mobile)
    action = request.POST.get("action")
    form = CodeForm(request.POST if action == "verify" else None)
    if request.method == "POST" and action == "send":
        try:
            send(organisation=organisation, actor=request.user)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            # In words, not the masked number: the message takes the focus and starts the
            # page's title, where a screen reader would read each bullet (RGAA 13.5).
            ending = organisation.representative_mobile[-2:]
            messages.success(
                request,
                f"Code envoyé par SMS au numéro se terminant par {ending}. "
                "Il est valable 10 minutes.",
            )
        return SmsCodeStep(form=form, masked_mobile=masked_mobile, response=redirect(page_url))
    if request.method == "POST" and form.is_valid():
        try:
            confirmed = confirm(
                organisation=organisation,
                code=form.cleaned_data["code"],
                actor=request.user,
                ip=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
        except DomainError as error:
            form.add_error("code", str(error))
        else:
            messages.success(request, confirmed_message)
            response = redirect(confirmed_url(confirmed))
            return SmsCodeStep(form=form, masked_mobile=masked_mobile, response=response)
    return SmsCodeStep(form=form, masked_mobile=masked_mobile)
