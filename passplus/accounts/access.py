"""Access helpers every space uses: logged in, right role, else 403 (never data); staff
(gestionnaire, finance, admin) pass the second factor before any page of theirs or of their
account (`second_factor_redirect`, the one rule)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, Protocol, cast
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import URLPattern, reverse

from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.accounts.models import MANAGER_ROLES, STAFF_ROLES, Role

type View[**P] = Callable[Concatenate[HttpRequest, P], HttpResponseBase]
"""A view as Django calls it: any request (the user may be anonymous), then the URL's arguments."""

type SignedInView[**P] = Callable[Concatenate[AuthenticatedHttpRequest, P], HttpResponseBase]
"""A view behind a login decorator: its request's user is a signed-in `User`."""


class ViewDecorator(Protocol):
    """What `role_required(...)` returns: it turns a signed-in view into a view Django can call
    with any request, keeping the URL's arguments."""

    def __call__[**P](self, view: SignedInView[P], /) -> View[P]: ...


def second_factor_redirect(request: HttpRequest) -> HttpResponseBase | None:
    """Where a staff member signed in with the password only must go first: the second factor
    (TOTP or recovery code) of this session, then back to the page asked for. None for anyone
    else (anonymous, other roles, staff already verified)."""
    user = request.user
    if user.is_authenticated and user.role in STAFF_ROLES and not user.is_verified():
        query = urlencode({"next": request.get_full_path()})
        return redirect(f"{reverse('accounts:two_factor')}?{query}")
    return None


def second_factor_required[**P](view: View[P], /) -> View[P]:
    """Any view (signed in or not): staff whose session has not passed the second factor are
    sent to it; everyone else gets the view as it is."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        return second_factor_redirect(request) or view(request, *args, **kwargs)

    return wrapped


def second_factor_on_every_page(
    patterns: list[URLPattern], *, except_names: frozenset[str]
) -> list[URLPattern]:
    """The patterns with `second_factor_required` around each view but those named in
    `except_names`: a page added to the URLconf later is covered by default."""
    unknown = except_names - {pattern.name for pattern in patterns}
    if unknown:
        raise ValueError(f"No such page to leave open: {sorted(unknown)}")
    return [
        pattern
        if pattern.name in except_names
        else URLPattern(
            pattern.pattern,
            second_factor_required(pattern.callback),
            pattern.default_args,
            pattern.name,
        )
        for pattern in patterns
    ]


def role_required(*roles: str) -> ViewDecorator:
    """Anonymous users go to the login page; logged-in users of another role get 403."""

    def decorator[**P](view: SignedInView[P], /) -> View[P]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user.has_role(*roles):
                raise PermissionDenied("Cet espace n'est pas accessible avec votre compte.")
            second_factor = second_factor_redirect(request)
            if second_factor is not None:
                return second_factor
            # Signed in (checked above): the request is what the view is annotated to receive.
            signed_in = cast(AuthenticatedHttpRequest, request)
            return view(signed_in, *args, **kwargs)

        return wrapped

    return decorator


organisation_required = role_required(Role.ORGANISATION)
correspondent_required = role_required(Role.CORRESPONDENT)
family_required = role_required(Role.FAMILY)
staff_required = role_required(Role.GESTIONNAIRE, Role.FINANCE, Role.ADMIN)
finance_required = role_required(Role.FINANCE)
admin_required = role_required(Role.ADMIN)
manager_required = role_required(*MANAGER_ROLES)

SPACE_OF_ROLE = {
    Role.ORGANISATION: "partner:home",
    Role.CORRESPONDENT: "correspondent:home",
    Role.FAMILY: "family:home",
    Role.GESTIONNAIRE: "backoffice:home",
    Role.FINANCE: "backoffice:home",
    Role.ADMIN: "backoffice:home",
}
