"""Département staff accounts blocked after failed passwords: lifted by an admin (audited)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from passplus.accounts.access import admin_required
from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.accounts.lockouts import staff_account_unlock
from passplus.accounts.models import STAFF_ROLES, User
from passplus.core.errors import DomainError


@require_POST
@admin_required
def staff_account_unlock_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User.objects.filter(role__in=STAFF_ROLES), pk=pk)
    try:
        staff_account_unlock(user=user, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Compte débloqué : {user.email} peut se connecter à nouveau.")
    return redirect(reverse("backoffice:review_queue") + "#comptes")
