from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from passplus.accounts.access import SPACE_OF_ROLE
from passplus.accounts.models import Role


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """After login: each role lands in its own space."""
    return redirect(SPACE_OF_ROLE[Role(request.user.role)])  # type: ignore[union-attr]
