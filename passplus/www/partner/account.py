"""Partner space: "Mon compte" — public profile and activities, the organisation's users, the
signed conventions and the current rules. Bank details are in bank_details.py."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.accounts.models import Invitation, InvitationPurpose
from passplus.conventions.models import ConventionStatus
from passplus.core.errors import DomainError
from passplus.core.privacy import mask_email
from passplus.organisations.bank_changes import MAY_CHANGE
from passplus.organisations.members import (
    member_accept,
    member_invitation_revoke,
    member_invite,
    member_remove,
    pending_member_invitations,
)
from passplus.organisations.models import Organisation
from passplus.organisations.profile import PUBLIC_FIELDS, organisation_profile_update
from passplus.www.partner.access import partner_view
from passplus.www.partner.account_creation import account_from_invitation
from passplus.www.partner.account_forms import (
    AccountCreationForm,
    ActivityFormSet,
    MemberInviteForm,
    ProfileForm,
    activity_changes,
)
from passplus.www.partner.conventions import previous_convention


@partner_view
def account(request: AuthenticatedHttpRequest, organisation: Organisation) -> HttpResponse:
    return render(
        request,
        "partner/account/home.html",
        {
            "organisation": organisation,
            "manages_bank_details": organisation.status in MAY_CHANGE,
            "bank_account": organisation.current_bank_account(),
            "conventions": organisation.conventions.filter(
                status=ConventionStatus.SIGNED
            ).select_related("version"),
            "previous_convention": previous_convention(organisation),
        },
    )


@partner_view
def profile(request: AuthenticatedHttpRequest, organisation: Organisation) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=organisation)
    activities = ActivityFormSet(
        request.POST or None,
        instance=organisation,
        prefix="activites",
        form_kwargs={"organisation": organisation},
    )
    if request.method == "POST" and form.is_valid() and activities.is_valid():
        try:
            organisation_profile_update(
                organisation=organisation,
                actor=request.user,
                values={name: form.cleaned_data[name] for name in PUBLIC_FIELDS},
                activities=activity_changes(activities),
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, "Fiche mise à jour : l'annuaire affiche déjà ces informations."
            )
            return redirect("partner:profile")
    return render(
        request,
        "partner/account/profile.html",
        {"organisation": organisation, "form": form, "activities": activities},
    )


@partner_view
@never_cache
def members(request: AuthenticatedHttpRequest, organisation: Organisation) -> HttpResponse:
    form = MemberInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member_invite(
                organisation=organisation, email=form.cleaned_data["email"], actor=request.user
            )
        except DomainError as error:
            form.add_error("email", str(error))
        else:
            messages.success(
                request,
                f"Invitation envoyée à {form.cleaned_data['email']} : "
                "le lien est valable 30 jours.",
            )
            return redirect("partner:members")
    return render(
        request,
        "partner/account/members.html",
        {
            "organisation": organisation,
            "form": form,
            "members": organisation.members.filter(is_active=True).order_by("email"),
            "invitations": pending_member_invitations(organisation).order_by("email"),
        },
    )


@require_POST
@partner_view
def member_remove_view(
    request: AuthenticatedHttpRequest, organisation: Organisation, pk: int
) -> HttpResponse:
    try:
        member = member_remove(organisation=organisation, member_pk=pk, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("partner:members")
    messages.success(request, f"L'accès de {member.email} est fermé.")
    if member.pk == request.user.pk:
        return redirect("public:home")
    return redirect("partner:members")


@require_POST
@partner_view
def member_invitation_revoke_view(
    request: AuthenticatedHttpRequest, organisation: Organisation, pk: int
) -> HttpResponse:
    try:
        member_invitation_revoke(organisation=organisation, pk=pk, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Invitation annulée : le lien ne fonctionne plus.")
    return redirect("partner:members")


@never_cache
def member_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The invited person creates their own account from the link."""
    invitation = Invitation.find(token)
    if invitation is None or invitation.purpose != InvitationPurpose.MEMBER:
        return render(request, "partner/invitation_invalid.html", {"reason": "unknown"}, status=404)
    try:
        invitation.check_usable()
    except DomainError as error:
        return render(
            request,
            "partner/account/member_invitation_unusable.html",
            {"message": str(error), "masked_email": mask_email(invitation.email)},
            status=410,
        )
    form = AccountCreationForm(request.POST or None, email=invitation.email)
    created = account_from_invitation(
        request,
        form,
        invitation=invitation,
        create=member_accept,
        welcome="Votre compte est créé. Bienvenue dans l'espace affilié.",
        then="partner:home",
    )
    if created is not None:
        return created
    return render(
        request,
        "partner/account/member_invitation.html",
        {"form": form, "invitation": invitation, "organisation": invitation.organisation},
    )
