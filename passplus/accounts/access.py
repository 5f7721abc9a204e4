"""Access helpers every space uses: logged in, right role, else 403 (never data)."""

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
from django.urls import reverse

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
            if user.role in STAFF_ROLES and not user.is_verified():
                # Staff pages need the second factor (TOTP or recovery code) in this session.
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('accounts:two_factor')}?{query}")
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
