from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect

from passplus.accounts.access import SPACE_OF_ROLE
from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.accounts.models import Role


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """After login: each role lands in its own space."""
    return redirect(SPACE_OF_ROLE[Role(request.user.role)])
