"""Every partner page is `@partner_view`: a signed-in user of the partner role (else the login
page, or 403 for another role), and the view receives that user's organisation as an argument,
so that each query is filtered by it."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, cast

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from passplus.accounts.access import View, organisation_required
from passplus.accounts.models import User
from passplus.organisations.models import Organisation


class PartnerRequest(HttpRequest):
    """What a partner view receives: a request whose user is a signed-in `User` (for the type
    checker only; the object is the ordinary request)."""

    user: User


def partner_view[**P](
    view: Callable[Concatenate[PartnerRequest, Organisation, P], HttpResponseBase],
) -> View:
    """Role check as `organisation_required`, then `view(request, organisation, ...)`."""

    @organisation_required
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        user = request.user
        # A partner user always has an organisation (a database constraint on the role).
        if not isinstance(user, User) or user.organisation is None:
            raise PermissionDenied("Cet espace n'est pas accessible avec votre compte.")
        return view(cast(PartnerRequest, request), user.organisation, *args, **kwargs)

    return wrapped
