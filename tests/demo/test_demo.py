from __future__ import annotations

import base64
import io
import re
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP

from passplus.accounts.models import Role, User
from passplus.demo.build import DEMO_PASSWORD
from passplus.organisations.enums import OrganisationStatus
from passplus.organisations.models import Organisation
from passplus.payments.models import PaymentRun, PaymentRunStatus
from passplus.pupils.models import Pupil
from passplus.tickets.models import (
    Assignment,
    AssignmentStatus,
    Redemption,
    RedemptionStatus,
    Ticket,
    TicketStatus,
)
from tests.helpers.accounts import log_in
from tests.helpers.pages import parse_html, text_of
from tests.helpers.paths import ROOT

LOGIN_LINE = re.compile(r"^LOGIN (\S+) (\S+@\S+) (\S+)", re.MULTILINE)


def run_demo() -> str:
    out = io.StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def demo_output(shared_demo: str) -> str:
    """What `manage.py demo` printed when it built the data these tests read."""
    return shared_demo


def test_demo_covers_every_state_of_every_lifecycle(demo_output: str) -> None:
    assert set(Organisation.objects.values_list("status", flat=True)) == set(
        OrganisationStatus.values
    )
    assert set(Ticket.objects.values_list("status", flat=True)) == set(TicketStatus.values)
    assert set(Redemption.objects.values_list("status", flat=True)) == set(RedemptionStatus.values)
    assert set(Assignment.objects.values_list("status", flat=True)) == set(AssignmentStatus.values)
    assert PaymentRun.objects.filter(status=PaymentRunStatus.CLOSED).count() == 1
    assert 28 <= Organisation.objects.count() <= 35
    assert 180 <= Pupil.objects.count() <= 230


def test_demo_partners_have_a_full_directory_card(demo_output: str, client: Client) -> None:
    listed = Organisation.objects.listed()
    assert listed.exists()
    assert not listed.filter(public_phone="").exists()
    assert not listed.filter(website="").exists()
    page = client.get(reverse("public:organisation", args=[listed.first().pk])).content.decode()
    assert 'href="tel:+33147' in page and ".example.org/" in page


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


def test_each_demo_staff_login_ends_with_a_working_totp_secret(demo_output: str) -> None:
    staff_lines = [
        line
        for line in demo_output.splitlines()
        if line.split(" ")[1:2] in (["gestionnaire"], ["finance"], ["admin"])
    ]
    assert len(staff_lines) == 4
    for line in staff_lines:
        secret = line.rsplit(" ", 1)[-1]
        assert re.fullmatch(r"[A-Z2-7]{32}", secret), line
        email = line.split(" ")[2]
        key = base64.b32decode(secret + "=" * (-len(secret) % 8))
        code = f"{TOTP(key).token():06d}"  # what the tester's app would show
        client = Client()
        assert log_in(client, email, DEMO_PASSWORD)
        response = client.post(
            "/compte/double-authentification/", {"code": code, "next": "/gestion/"}
        )
        assert response.status_code == 302, line
        assert client.get("/gestion/").status_code == 200


def test_demo_prints_a_working_invitation_line_as_the_readme_promises(
    demo_output: str, client: Client
) -> None:
    """README: "`make run` also prints an `INVITATION <link>` line: a fresh link for a demo
    organisation still to sign". Each run prints a new one; the previous link stops working."""
    readme = (ROOT / "README.md").read_text()
    assert "`INVITATION <link>`" in readme
    lines = re.findall(r"^INVITATION (\S+)  # lien d'affiliation de « (.+) »", demo_output, re.M)
    assert len(lines) == 1, demo_output[-500:]
    link, name = lines[0]
    path = urlsplit(link).path
    page = client.get(path, follow=True)
    assert page.status_code == 200 and name in text_of(parse_html(page), "main")
    assert Organisation.objects.get(legal_name=name).status == OrganisationStatus.IDENTIFIED

    second = re.findall(r"^INVITATION (\S+)", run_demo(), re.M)
    assert len(second) == 1 and second[0] != link
    assert "Ce lien a été révoqué" in text_of(parse_html(client.get(path, follow=True)), "main")


def test_the_demo_closed_run_keeps_its_real_sepa_file_for_audit(demo_output: str) -> None:
    import hashlib

    from passplus.payments.sepa import validate_sepa_xml

    closed = PaymentRun.objects.get(status=PaymentRunStatus.CLOSED)
    with closed.sepa_file.open("rb") as stored:
        xml = stored.read()
    validate_sepa_xml(xml, "pain.001.001.03")
    assert hashlib.sha256(xml).hexdigest() == closed.sepa_sha256
    total = sum(closed.payments.values_list("amount_cents", flat=True))
    assert f"<CtrlSum>{total / 100:.2f}</CtrlSum>".encode() in xml
    assert closed.approved_by_second_person


def test_demo_staff_login_lines_say_what_each_account_is_for_as_the_readme_shows(
    demo_output: str,
) -> None:
    readme = (ROOT / "README.md").read_text()
    for email, note in [
        ("finance@demo.passplus.fr", "prépare les campagnes"),
        ("finance2@demo.passplus.fr", "approuve (quatre yeux)"),
        ("admin@demo.passplus.fr", "accès aussi à /django-admin/"),
    ]:
        line = next(line for line in demo_output.splitlines() if f" {email} " in line)
        assert f"# {note} ; clé TOTP " in line
        assert f"{email} demo-Pass+2026  # {note}" in readme
    correspondent = next(
        line for line in demo_output.splitlines() if " correspondant.1@demo.passplus.fr " in line
    )
    assert correspondent.endswith("  # Issy-les-Moulineaux, 92040; Nanterre, 92050")
    assert correspondent in readme
