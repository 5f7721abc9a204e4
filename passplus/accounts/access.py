"""Access helpers every space uses: logged in, right role, else 403 (never data)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse

from passplus.accounts.models import MANAGER_ROLES, STAFF_ROLES, Role

View = Callable[..., HttpResponseBase]


def role_required(*roles: str) -> Callable[[View], View]:
    """Anonymous users go to the login page; logged-in users of another role get 403."""

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user.has_role(*roles):
                raise PermissionDenied("Cet espace n'est pas accessible avec votre compte.")
            if user.role in STAFF_ROLES and not user.is_verified():
                # Staff pages need the second factor (TOTP or recovery code) in this session.
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('accounts:two_factor')}?{query}")
            return view(request, *args, **kwargs)

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
