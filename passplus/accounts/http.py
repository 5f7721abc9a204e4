"""The request of a signed-in view, for the type checker (the idea of healthchecks'
`hc/accounts/http.py`).

Django types `request.user` as `User | AnonymousUser`: a view behind a login decorator
(`login_required`, `accounts.access.role_required` and its `*_required` shortcuts,
`www.partner.access.partner_view`) knows better, but mypy does not. Annotate such a view's
`request` as `AuthenticatedHttpRequest` (the decorators are typed to take such views):

    @organisation_required
    def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
        organisation = request.user.organisation  # a User: no ignore

Nothing changes at run time (Django still passes its HttpRequest): the decorator is what makes
the annotation true, so use it only on views that have one.
"""

from __future__ import annotations

from django.http import HttpRequest

from passplus.accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """An HttpRequest whose `user` is a signed-in `User`, never `AnonymousUser`."""

    user: User
