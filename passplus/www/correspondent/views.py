from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from passplus.accounts.access import correspondent_required
from passplus.core.errors import DomainError
from passplus.organisations.models import IdentificationForm, Organisation
from passplus.organisations.services import (
    invitation_revoke,
    invitation_send,
    organisation_register,
)
from passplus.www.correspondent.forms import IdentificationFormForm


@correspondent_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    organisations = Organisation.objects.for_correspondent(user).select_related(
        "commune", "identification_form__invitation"
    )
    return render(
        request,
        "correspondent/home.html",
        {
            "communes": user.communes.all(),  # type: ignore[union-attr]
            "rows": [
                (organisation, getattr(organisation, "identification_form", None))
                for organisation in organisations
            ],
        },
    )


@correspondent_required
def register(request: HttpRequest) -> HttpResponse:
    form = IdentificationFormForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = organisation_register(
                data={**form.cleaned_data}, registered_by=request.user
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Fiche de « {organisation.legal_name} » enregistrée. Une invitation à signer la "
                f"convention a été envoyée à {organisation.identification_form.contact_email}.",
            )
            return redirect("correspondent:home")
    return render(request, "correspondent/register.html", {"form": form})


def _form_of(request: HttpRequest, pk: int) -> IdentificationForm:
    """The identification form of an organisation of the correspondent's communes (else 404)."""
    return get_object_or_404(
        IdentificationForm.objects.select_related("organisation"),
        organisation__in=Organisation.objects.for_correspondent(request.user),
        organisation_id=pk,
    )


@require_POST
@correspondent_required
def resend_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    form = _form_of(request, pk)
    try:
        invitation = invitation_send(form=form, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Nouvelle invitation envoyée à {invitation.email}.")
    return redirect("correspondent:home")


@require_POST
@correspondent_required
def revoke_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    form = _form_of(request, pk)
    try:
        invitation_revoke(form=form, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"L'invitation de « {form.organisation.legal_name} » est révoquée."
        )
    return redirect("correspondent:home")
