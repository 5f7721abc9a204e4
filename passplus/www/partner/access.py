"""Every partner page is `@partner_view`: a signed-in user of the partner role (else the login
page, or 403 for another role), and the view receives that user's organisation as an argument,
so that each query is filtered by it."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate

from django.core.exceptions import PermissionDenied
from django.http.response import HttpResponseBase

from passplus.accounts.access import View, organisation_required
from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.organisations.models import Organisation


def partner_view[**P](
    view: Callable[Concatenate[AuthenticatedHttpRequest, Organisation, P], HttpResponseBase],
) -> View[P]:
    """Role check as `organisation_required`, then `view(request, organisation, ...)`."""

    @organisation_required
    @functools.wraps(view)
    def wrapped(
        request: AuthenticatedHttpRequest, /, *args: P.args, **kwargs: P.kwargs
    ) -> HttpResponseBase:
        # A partner user always has an organisation (a database constraint on the role).
        organisation = request.user.organisation
        if organisation is None:
            raise PermissionDenied("Cet espace n'est pas accessible avec votre compte.")
        return view(request, organisation, *args, **kwargs)

    return wrapped
