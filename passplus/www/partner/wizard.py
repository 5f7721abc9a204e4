"""The convention wizard (steps 2 to 7): each step saves as you go; the data is the state."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.views.decorators.cache import never_cache

from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.conventions.affiliation import STEP_SLUGS, Progress
from passplus.conventions.services import convention_send_code, convention_sign
from passplus.conventions.wizard_steps import convention_accept_conditions, convention_review
from passplus.core.errors import DomainError
from passplus.organisations.enums import OrganisationStatus
from passplus.organisations.models import Organisation
from passplus.organisations.signing import (
    CONTACT_STEP_FIELDS,
    NoLongerSigning,
    bank_account_enter_draft,
    organisation_contact_update,
    organisation_declare_eligibility,
)
from passplus.signatures.models import SignatureRequest, SignatureStatus
from passplus.www.partner.access import partner_view
from passplus.www.partner.sms_code import sms_code_step
from passplus.www.partner.wizard_forms import (
    BankForm,
    ConditionsForm,
    ContactForm,
    EligibilityForm,
)

StepView = Callable[[AuthenticatedHttpRequest, Organisation, Progress], HttpResponse]


def wizard_step(slug: str) -> Callable[[StepView], Callable[..., HttpResponseBase]]:
    """Only a partner whose organisation is signing; only once the previous steps are done."""

    def decorator(view: StepView) -> Callable[..., HttpResponseBase]:
        @partner_view
        @never_cache
        @functools.wraps(view)
        def wrapped(request: AuthenticatedHttpRequest, organisation: Organisation) -> HttpResponse:
            if organisation.status != OrganisationStatus.SIGNING:
                return redirect("partner:home")
            try:
                progress = Progress(organisation)
            except DomainError as error:
                return render(request, "partner/wizard/unavailable.html", {"error": error})
            if not progress.is_open(slug):
                messages.info(request, "Terminez d'abord cette étape.")
                return redirect("partner:affiliation_step", slug=progress.current)
            try:
                return view(request, organisation, progress)
            except NoLongerSigning as error:
                messages.error(request, str(error))
                return redirect("partner:home")
            except DomainError as error:  # a step undone meanwhile (checked again under lock)
                messages.error(request, str(error))
                return redirect("partner:affiliation")

        return wrapped

    return decorator


def _render(
    request: HttpRequest, slug: str, progress: Progress, context: dict[str, Any]
) -> HttpResponse:
    number = STEP_SLUGS.index(slug) + 2
    return render(
        request,
        f"partner/wizard/{slug}.html",
        {
            "progress": progress,
            "steps": progress.steps(),
            "slug": slug,
            "step_number": number,
            "organisation": progress.organisation,
            "convention": progress.convention,
            **context,
        },
    )


def _next(progress: Progress, slug: str) -> HttpResponse:
    following = STEP_SLUGS[STEP_SLUGS.index(slug) + 1]
    return redirect("partner:affiliation_step", slug=following)


@partner_view
def start(request: AuthenticatedHttpRequest, organisation: Organisation) -> HttpResponse:
    """Where "Reprendre la signature" leads: the first step not done."""
    if organisation.status != OrganisationStatus.SIGNING:
        return redirect("partner:home")
    try:
        progress = Progress(organisation)
    except DomainError as error:
        return render(request, "partner/wizard/unavailable.html", {"error": error})
    return redirect("partner:affiliation_step", slug=progress.current)


@wizard_step("eligibilite")
def eligibility(
    request: AuthenticatedHttpRequest, organisation: Organisation, progress: Progress
) -> HttpResponse:
    initial = {
        "non_profit": "yes" if organisation.is_non_profit else "no",
        "justification": organisation.eligibility_justification,
        "secularism": bool(organisation.secularism_declared_at),
        "equal_access": bool(organisation.equal_access_declared_at),
    }
    form = EligibilityForm(request.POST or None, organisation=organisation, initial=initial)
    if request.method == "POST" and form.is_valid():
        organisation_declare_eligibility(
            organisation=organisation,
            actor=request.user,
            non_profit=form.cleaned_data["non_profit"] == "yes",
            justification=form.cleaned_data["justification"],
        )
        return _next(progress, "eligibilite")
    return _render(request, "eligibilite", progress, {"form": form})


@wizard_step("coordonnees")
def contact(
    request: AuthenticatedHttpRequest, organisation: Organisation, progress: Progress
) -> HttpResponse:
    form = ContactForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        organisation_contact_update(
            organisation=organisation,
            actor=request.user,
            values={name: form.cleaned_data[name] for name in CONTACT_STEP_FIELDS},
        )
        return _next(progress, "coordonnees")
    return _render(request, "coordonnees", progress, {"form": form})


# The review shows the IBAN in full only to whoever typed it, in that session (issue 33 §6):
# a keyed digest of the organisation and the IBAN typed, never the IBAN itself.
TYPED_IBAN_KEY = "passplus.wizard.typed_iban"


def _typed_iban_digest(organisation: Organisation, iban: str) -> str:
    return salted_hmac(TYPED_IBAN_KEY, f"{organisation.pk}:{iban}", algorithm="sha256").hexdigest()


@wizard_step("banque")
def bank(
    request: AuthenticatedHttpRequest, organisation: Organisation, progress: Progress
) -> HttpResponse:
    draft = progress.bank_account
    initial = {"holder": draft.holder, "iban": draft.iban, "bic": draft.bic} if draft else {}
    form = BankForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        rib_on_file_for=draft.iban if draft and draft.rib_document else "",
    )
    if request.method == "POST" and form.is_valid():
        assert form.details is not None
        bank_account_enter_draft(
            organisation=organisation,
            actor=request.user,
            holder=form.cleaned_data["holder"],
            iban=form.details.iban,
            bic=form.details.bic,
            rib_document=form.cleaned_data.get("rib_document"),
        )
        request.session[TYPED_IBAN_KEY] = _typed_iban_digest(organisation, form.details.iban)
        return _next(progress, "banque")
    return _render(request, "banque", progress, {"form": form, "bank_account": draft})


@wizard_step("recapitulatif")
def review(
    request: AuthenticatedHttpRequest, organisation: Organisation, progress: Progress
) -> HttpResponse:
    if request.method == "POST":
        convention_review(organisation=organisation, actor=request.user)
        return _next(progress, "recapitulatif")
    draft = progress.bank_account
    typed_here = draft is not None and request.session.get(TYPED_IBAN_KEY) == _typed_iban_digest(
        organisation, draft.iban
    )
    context = {"bank_account": draft, "iban_typed_here": typed_here}
    return _render(request, "recapitulatif", progress, context)


@wizard_step("conditions")
def conditions(
    request: AuthenticatedHttpRequest, organisation: Organisation, progress: Progress
) -> HttpResponse:
    convention = progress.convention
    form = ConditionsForm(
        request.POST or None,
        initial={
            "accept_rules": bool(convention.rules_accepted_at),
            "accept_terms": bool(convention.terms_accepted_at),
        },
        version_url=reverse("public:convention_version", args=[convention.version.label]),
        version_label=convention.version.label,
    )
    if request.method == "POST" and form.is_valid():
        convention_accept_conditions(organisation=organisation, actor=request.user)
        return _next(progress, "conditions")
    # The texts themselves, readable without leaving the wizard (issue 33 §6).
    version = convention.version
    context = {
        "form": form,
        "version": version,
        "rules_paragraphs": _paragraphs(version.rules),
        "body_paragraphs": _paragraphs(version.body),
    }
    return _render(request, "conditions", progress, context)


def _paragraphs(text: str) -> list[str]:
    """A convention text's paragraphs (blank-line separated), as its public page shows them."""
    return [part.strip() for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]


@wizard_step("signature")
def signature(
    request: AuthenticatedHttpRequest, organisation: Organisation, progress: Progress
) -> HttpResponse:
    step = sms_code_step(
        request,
        organisation,
        send=convention_send_code,
        confirm=convention_sign,
        page_url=reverse("partner:affiliation_step", kwargs={"slug": "signature"}),
        confirmed_message="Convention signée. Votre organisme est affilié ; la convention signée "
        "vous a été envoyée par e-mail.",
        confirmed_url=lambda convention: reverse("partner:convention", args=[convention.pk]),
    )
    if step.response is not None:
        return step.response
    pending = (
        SignatureRequest.objects.filter(
            convention=progress.convention, status=SignatureStatus.PENDING
        )
        .order_by("-created_at")
        .first()
    )
    return _render(
        request,
        "signature",
        progress,
        step.context(code_sent=pending is not None and pending.codes.exists()),
    )


def step(request: HttpRequest, slug: str) -> HttpResponseBase:
    views: dict[str, Callable[[HttpRequest], HttpResponseBase]] = {
        "eligibilite": eligibility,
        "coordonnees": contact,
        "banque": bank,
        "recapitulatif": review,
        "conditions": conditions,
        "signature": signature,
    }
    view = views.get(slug)
    if view is None:
        raise Http404("Étape inconnue.")
    return view(request)
