"""The account created from an invitation link (affiliation, member, claim of an imported
organisation): the same steps for the three links once the link is usable. Each view keeps its
own checks of the link, its service and its page."""

from __future__ import annotations

from typing import Protocol

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from passplus.accounts.backends import BACKEND_PATH
from passplus.accounts.models import Invitation, User
from passplus.core.errors import DomainError
from passplus.www.partner.account_forms import AccountCreationForm


class AccountService(Protocol):
    """A link's service: partner_account_create, member_accept, organisation_claim."""

    def __call__(
        self, *, invitation: Invitation, password: str, first_name: str, last_name: str
    ) -> User: ...


def account_from_invitation(
    request: HttpRequest,
    form: AccountCreationForm,
    *,
    invitation: Invitation,
    create: AccountService,
    welcome: str,
    then: str,
) -> HttpResponse | None:
    """A valid posted `form`: the account created by `create`, its user signed in and welcomed,
    sent on to `then`. None otherwise: the page shows the form again, with the service's
    refusal in French among its errors."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        user = create(
            invitation=invitation,
            password=form.cleaned_data["password1"],
            first_name=form.cleaned_data["first_name"],
            last_name=form.cleaned_data["last_name"],
        )
    except DomainError as error:
        form.add_error(None, str(error))
        return None
    login(request, user, backend=BACKEND_PATH)
    messages.success(request, welcome)
    return redirect(then)
