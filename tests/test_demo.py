from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client

from passplus.accounts.models import Role, User
from passplus.core.demo import DEMO_PASSWORD
from passplus.organisations.enums import OrganisationStatus
from passplus.organisations.models import Organisation
from passplus.payments.models import PaymentRun, PaymentRunStatus
from passplus.pupils.models import Pupil
from passplus.tickets.models import Redemption, RedemptionStatus, Ticket, TicketStatus
from tests.helpers import log_in

LOGIN_LINE = re.compile(r"^LOGIN (\S+) (\S+@\S+) (\S+)", re.MULTILINE)


def run_demo() -> str:
    out = io.StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def demo_output(db) -> str:
    return run_demo()


def test_demo_covers_every_state_of_every_lifecycle(demo_output: str) -> None:
    assert set(Organisation.objects.values_list("status", flat=True)) == set(
        OrganisationStatus.values
    )
    assert set(Ticket.objects.values_list("status", flat=True)) == set(TicketStatus.values)
    assert set(Redemption.objects.values_list("status", flat=True)) == set(RedemptionStatus.values)
    assert PaymentRun.objects.filter(status=PaymentRunStatus.CLOSED).count() == 1
    assert 28 <= Organisation.objects.count() <= 35
    assert 180 <= Pupil.objects.count() <= 230


def test_demo_is_idempotent(demo_output: str) -> None:
    counts = (User.objects.count(), Ticket.objects.count(), Redemption.objects.count())
    second = run_demo()
    assert (User.objects.count(), Ticket.objects.count(), Redemption.objects.count()) == counts
    assert LOGIN_LINE.findall(second) == LOGIN_LINE.findall(demo_output)


def test_demo_prints_a_working_login_for_every_role(demo_output: str, client: Client) -> None:
    logins = LOGIN_LINE.findall(demo_output)
    assert {role for role, _, _ in logins} == set(Role.values)
    for role in Role.values:
        email, password = next((e, p) for r, e, p in logins if r == role)
        assert password == DEMO_PASSWORD
        assert log_in(client, email, password), email
        assert client.get("/compte/", follow=True).status_code == 200
        client.logout()
