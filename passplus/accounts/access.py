"""Access helpers every space uses: logged in, right role, else 403 (never data)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from passplus.accounts.models import Role

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
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


organisation_required = role_required(Role.ORGANISATION)
correspondent_required = role_required(Role.CORRESPONDENT)
family_required = role_required(Role.FAMILY)
staff_required = role_required(Role.GESTIONNAIRE, Role.FINANCE, Role.ADMIN)
finance_required = role_required(Role.FINANCE)
manager_required = role_required(Role.GESTIONNAIRE, Role.ADMIN)

SPACE_OF_ROLE = {
    Role.ORGANISATION: "partner:home",
    Role.CORRESPONDENT: "correspondent:home",
    Role.FAMILY: "family:home",
    Role.GESTIONNAIRE: "backoffice:home",
    Role.FINANCE: "backoffice:home",
    Role.ADMIN: "backoffice:home",
}
