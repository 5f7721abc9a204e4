"""Back office, admins only: the département's staff accounts and the state of their second
factor; reset a colleague's second factor (lost phone) with a reason, audited."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Exists, Max, OuterRef, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from passplus.accounts.access import admin_required
from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.accounts.models import STAFF_ROLES, User
from passplus.accounts.two_factor import two_factor_reset
from passplus.core.errors import DomainError
from passplus.www.backoffice.forms import ReasonForm

RESET_LABEL = "Motif de la réinitialisation"


def _staff() -> QuerySet[User]:
    confirmed = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    return (
        User.objects.filter(role__in=STAFF_ROLES)
        .annotate(
            two_factor_active=Exists(confirmed),
            two_factor_last_used=Max("totpdevice__last_used_at"),
        )
        .order_by("-is_active", "role", "last_name", "email")
    )


@admin_required
def staff_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "backoffice/staff.html",
        {"staff": _staff(), "reason_form": ReasonForm(label=RESET_LABEL)},
    )


@require_POST
@admin_required
def staff_two_factor_reset(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(User, pk=pk, role__in=STAFF_ROLES)
    form = ReasonForm(request.POST, label=RESET_LABEL)
    try:
        if not form.is_valid():
            raise DomainError(f"{RESET_LABEL} : {form.first_error().lower()}")
        two_factor_reset(user=target, actor=request.user, reason=form.cleaned_data["reason"])
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"Double authentification de {target.email} réinitialisée : à sa prochaine "
            "connexion, une nouvelle application devra être enregistrée. Un e-mail l'en informe.",
        )
    return redirect("backoffice:staff")
