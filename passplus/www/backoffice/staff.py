"""Back office, admins only: the département's staff accounts and the state of their second
factor; reset a colleague's second factor (lost phone) with a reason, audited; ask for a new
staff account or a staff role for an existing account, which another admin activates
(accounts.staff_accounts)."""

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
from passplus.accounts.staff_accounts import (
    staff_account_activate,
    staff_account_create,
    staff_account_promote,
)
from passplus.accounts.two_factor import two_factor_reset
from passplus.core.errors import DomainError
from passplus.www.backoffice.forms import ReasonForm
from passplus.www.backoffice.staff_forms import (
    StaffAccountForm,
    StaffActivationForm,
    StaffPromotionForm,
)

RESET_LABEL = "Motif de la réinitialisation"


def _staff() -> QuerySet[User]:
    confirmed = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    return (
        User.objects.filter(role__in=STAFF_ROLES)
        .select_related("staff_requested_by")
        .annotate(
            two_factor_active=Exists(confirmed),
            two_factor_last_used=Max("totpdevice__last_used_at"),
        )
        .order_by("-is_active", "role", "last_name", "email")
    )


def _page(
    request: AuthenticatedHttpRequest,
    *,
    create_form: StaffAccountForm | None = None,
    promote_form: StaffPromotionForm | None = None,
) -> HttpResponse:
    return render(
        request,
        "backoffice/staff.html",
        {
            "staff": _staff(),
            "reason_form": ReasonForm(label=RESET_LABEL),
            "create_form": create_form or StaffAccountForm(),
            "promote_form": promote_form or StaffPromotionForm(),
        },
    )


@admin_required
def staff_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@admin_required
def staff_account_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = StaffAccountForm(request.POST)
    if form.is_valid():
        try:
            user = staff_account_create(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Compte {user.email} demandé : il pourra se connecter quand un autre "
                "administrateur l'aura activé. Les administrateurs en sont informés par e-mail.",
            )
            return redirect("backoffice:staff")
    return _page(request, create_form=form)


@require_POST
@admin_required
def staff_account_promote_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = StaffPromotionForm(request.POST)
    if form.is_valid():
        target = User.objects.filter(email__iexact=form.cleaned_data["email"]).first()
        try:
            if target is None:
                raise DomainError(f"Aucun compte n'a l'adresse {form.cleaned_data['email']}.")
            staff_account_promote(actor=request.user, user=target, role=form.cleaned_data["role"])
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Nouveau rôle demandé pour {target.email} : ce compte ne peut plus se connecter "
                "jusqu'à son activation par un autre administrateur.",
            )
            return redirect("backoffice:staff")
    return _page(request, promote_form=form)


@require_POST
@admin_required
def staff_account_activate_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(User, pk=pk, role__in=STAFF_ROLES)
    form = StaffActivationForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError("La demande affichée est incomplète : rechargez la page.")
        staff_account_activate(actor=request.user, user=target, role=form.cleaned_data["role"])
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"Compte {target.email} activé. Son titulaire et l'administrateur qui l'a demandé "
            "en sont informés par e-mail.",
        )
    return redirect("backoffice:staff")


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
