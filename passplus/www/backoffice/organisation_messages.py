"""Back office: write to an organisation's users (gestionnaire, admin)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from passplus.accounts.access import manager_required
from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.core.errors import DomainError
from passplus.core.french import counted
from passplus.organisations.messages import organisation_message
from passplus.organisations.models import Organisation


class MessageForm(forms.Form):
    subject = forms.CharField(label="Objet", max_length=150)
    body = forms.CharField(
        label="Message", max_length=5000, widget=forms.Textarea(attrs={"rows": 6})
    )


@require_POST
@manager_required
def organisation_message_send(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation, pk=pk)
    form = MessageForm(request.POST, auto_id="id_message_%s")
    if not form.is_valid():
        messages.error(request, "Indiquez l'objet et le texte du message.")
        return redirect("backoffice:organisation", pk=pk)
    try:
        recipients = organisation_message(
            organisation=organisation,
            actor=request.user,
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Message envoyé à {counted(len(recipients), 'destinataire')}.")
    return redirect("backoffice:organisation", pk=pk)
