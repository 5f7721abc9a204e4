from __future__ import annotations

from django.contrib import messages
from django.db.models import Value
from django.db.models.functions import Coalesce, NullIf
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from passplus.accounts.access import correspondent_required
from passplus.accounts.correspondents import correspondent_public_contact_set
from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.conventions.step_reached import step_reached, with_step_data
from passplus.core.errors import DomainError
from passplus.organisations.enums import OrganisationStatus
from passplus.organisations.models import IdentificationForm, Organisation
from passplus.organisations.services import (
    invitation_revoke,
    invitation_send,
    organisation_register,
)
from passplus.statistics.figures import Scope
from passplus.www.correspondent.forms import IdentificationFormForm, PublicContactForm
from passplus.www.dashboards import chart_csv, dashboard_context, selected_year

# The table's orders (GET « tri »): a key, its fields, its label; "-key" reverses it.
SORT_LABELS = [
    ("nom", "Nom (A à Z)"),
    ("-nom", "Nom (Z à A)"),
    ("commune", "Commune"),
    ("etat", "État"),
    ("-invitation", "Dernière invitation, la plus récente d'abord"),
    ("invitation", "Dernière invitation, la plus ancienne d'abord"),
]
SORTS: dict[str, tuple[str, ...]] = {
    "nom": ("shown_name",),
    "-nom": ("-shown_name",),
    "commune": ("commune__name", "shown_name"),
    "etat": ("status", "shown_name"),
    "-invitation": ("-identification_form__invitation__created_at", "shown_name"),
    "invitation": ("identification_form__invitation__created_at", "shown_name"),
}


@correspondent_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The correspondent's partners and, for the selected school year, the figures and charts
    of what the partners of their communes entered (nothing of other communes)."""
    user = request.user
    communes = user.communes.all()
    state = request.GET.get("etat", "")
    if state not in OrganisationStatus.values:
        state = ""
    sort = request.GET.get("tri", "")
    if sort not in SORTS:
        sort = "nom"
    organisations = with_step_data(
        Organisation.objects.for_correspondent(user).select_related(
            "commune", "identification_form__invitation"
        )
    )
    if state:
        organisations = organisations.filter(status=state)
    # Sorted by the name shown (display_name: the public name, else the legal name).
    shown_name = Coalesce(NullIf("public_name", Value("")), "legal_name")
    organisations = organisations.annotate(shown_name=shown_name).order_by(*SORTS[sort], "pk")
    year = selected_year(request)
    context = dashboard_context(
        Scope(year, communes=communes) if year else None, "correspondent:dashboard_csv"
    )
    context.update(
        {
            "communes": communes,
            "rows": [
                (
                    organisation,
                    getattr(organisation, "identification_form", None),
                    step_reached(organisation),
                )
                for organisation in organisations
            ],
            "state": state,
            "states": OrganisationStatus.choices,
            "sort": sort,
            "sorts": SORT_LABELS,
        }
    )
    return render(request, "correspondent/home.html", context)


@correspondent_required
def dashboard_csv(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """One chart's figures as CSV, limited to the correspondent's communes."""
    year = selected_year(request)
    communes = request.user.communes.all()
    return chart_csv(Scope(year, communes=communes) if year else None, slug, prefix="communes")


@correspondent_required
def public_contact(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The correspondent's own address for the directory (no id in the URL: always theirs)."""
    user = request.user
    form = PublicContactForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        try:
            saved = correspondent_public_contact_set(
                correspondent=user,
                public_email=form.cleaned_data["public_email"],
            )
        except DomainError as error:
            form.add_error("public_email", error.message)
        else:
            messages.success(
                request,
                f"Adresse publiée dans l'annuaire : {saved.public_email}."
                if saved.public_email
                else "Aucune adresse n'est publiée dans l'annuaire : votre nom seul y figure.",
            )
            return redirect("correspondent:home")
    return render(request, "correspondent/public_contact.html", {"form": form})


@correspondent_required
def register(request: AuthenticatedHttpRequest) -> HttpResponse:
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


def _form_of(request: AuthenticatedHttpRequest, pk: int) -> IdentificationForm:
    """The identification form of an organisation of the correspondent's communes (else 404)."""
    return get_object_or_404(
        IdentificationForm.objects.select_related("organisation"),
        organisation__in=Organisation.objects.for_correspondent(request.user),
        organisation_id=pk,
    )


@require_POST
@correspondent_required
def resend_invitation(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    form = _form_of(request, pk)
    try:
        invitation = invitation_send(form=form, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Nouvelle invitation envoyée à {invitation.email}.")
    return redirect("correspondent:home")


@require_http_methods(["GET", "POST"])
@correspondent_required
def revoke_invitation(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET: the confirmation page, stating the consequence; POST: the revocation."""
    form = _form_of(request, pk)
    if request.method == "GET":
        return render(request, "correspondent/revoke_confirm.html", {"identification": form})
    try:
        invitation_revoke(form=form, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"L'invitation de « {form.organisation.legal_name} » est révoquée."
        )
    return redirect("correspondent:home")
