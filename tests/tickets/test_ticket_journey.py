"""A ticket from the département's list to the club's desk, as the people involved live it:
staff import the pupils, the parent sets a password from the welcome e-mail, generates and
prints a ticket, the club enters it with the birth date, sees it in its list, cancels the
mistaken entry and enters it again."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from passplus.pupils.models import ImportJob, ImportStatus, Pupil
from passplus.tickets.models import Redemption, RedemptionStatus, Ticket
from tests.helpers.accounts import VerifiedClient, log_in
from tests.helpers.factories import OrganisationFactory, SchoolYearFactory, UserFactory
from tests.helpers.pages import parse_html, text_of
from tests.helpers.pupil_import import csv_bytes, line, upload
from tests.helpers.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Tickets-Sport-2026"


def test_from_the_enrolment_list_to_the_clubs_desk_and_back() -> None:
    year = SchoolYearFactory()
    staff = VerifiedClient()
    staff.force_login(UserFactory(gestionnaire=True))
    job = upload(staff, year, csv_bytes(line(year, birth="14/03/2014")))
    assert job.status == ImportStatus.VALID
    staff.post(reverse("backoffice:pupil_import_confirm", args=[job.pk]), {"mode": "all"})
    run_queued_tasks()
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.IMPORTED
    pupil = Pupil.objects.get(first_name="Léa", last_name="Dupont")

    # The parent chooses a password from the welcome e-mail, then logs in.
    welcome = next(m for m in mail.outbox if m.to == ["parent.dupont@example.fr"])
    link = re.search(r"https?://\S+/mot-de-passe/nouveau/\S+/", welcome.body).group(0)  # type: ignore[union-attr]
    parent = Client()
    form_page = parent.get(re.sub(r"^https?://[^/]+", "", link), follow=True)
    set_password_url = form_page.redirect_chain[-1][0]
    parent.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert log_in(parent, "parent.dupont@example.fr", NEW_PASSWORD)

    # The parent generates a 30 € ticket and prints it.
    wallet = pupil.wallets.get()
    response = parent.post(
        reverse("family:ticket_new", args=[pupil.pk]), {"wallet": wallet.pk, "amount": "30"}
    )
    assert response.status_code == 302, text_of(parse_html(response), "main")
    ticket = Ticket.objects.get(wallet=wallet)
    pdf = parent.get(reverse("family:ticket_pdf", args=[ticket.pk]))
    assert pdf["Content-Type"] == "application/pdf"

    # The club types the printed number and the birth date, checks, confirms.
    club = OrganisationFactory(legal_name="Club de judo")
    desk = Client()
    desk.force_login(UserFactory(organisation_member=True, organisation=club))

    def enter() -> Redemption:
        response = desk.post(
            reverse("partner:entry"),
            {"number": ticket.display_number, "birth_date": "14/03/2014"},
        )
        assert response.status_code == 302, text_of(parse_html(response), "main")
        page = text_of(parse_html(desk.get(reverse("partner:entry_confirm"))), "main")
        assert "Léa Dupont" in page and "30,00" in page
        response = desk.post(reverse("partner:entry_confirm"))
        return Redemption.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[1])

    first = enter()
    listing = text_of(parse_html(desk.get(reverse("partner:redemptions"))), "main")
    assert ticket.display_number in listing
    home = text_of(parse_html(parent.get(reverse("family:home"))), "main")
    assert "Club de judo" in home  # the parent sees where the ticket was used

    desk.post(reverse("partner:redemption_cancel", args=[first.pk]), {"confirm": "1"})
    second = enter()

    assert Redemption.objects.get(pk=first.pk).status == RedemptionStatus.CANCELLED
    assert second.status == RedemptionStatus.ENTERED and second.pk != first.pk
