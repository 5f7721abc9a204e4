"""The session warning in Chromium (issue 32, RGAA 13.1.3): before a session ends, a modal
alert dialog takes the focus and says when it ends and when its absolute maximum comes;
« Rester connecté », by keyboard, extends it on the server without reloading the page, so what
was typed or ticked stays; when the end is the absolute maximum, nothing is offered to extend.
Without JavaScript, the login page after expiry brings the person back to their page.

Time is moved, never waited for: the server's session clock (tests/helpers/session_clock.py)
and the page's clock (Playwright's `page.clock`) move forward together."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from passplus.payments.models import PaymentRun, PaymentRunStatus
from passplus.www.backoffice.payment_runs import APPROVE_CONFIRM
from tests.helpers.browser import PageChecks, fill_login_form, log_in, log_in_staff
from tests.helpers.factories import PASSWORD, PaymentFactory, PaymentRunFactory, UserFactory
from tests.helpers.session_clock import SessionClock, install_session_clock, next_morning

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WARNING = "Votre session va expirer"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> SessionClock:
    """The server's session clock at 8:00 in Paris (so every time said is « à HH:MM »)."""
    return install_session_clock(monkeypatch, next_morning())


def start_page_clock(page: Any, clock: SessionClock) -> None:
    """The page's clock starts at the server's time (the script would cope with any gap)."""
    page.clock.install(time=clock.now)


def move(page: Any, clock: SessionClock, **delta: float) -> None:
    """Move the server's and the page's clocks forward by the same time (as a computer left
    alone would: the page's due timers run once)."""
    clock.advance(**delta)
    page.clock.fast_forward(int(dt.timedelta(**delta).total_seconds() * 1000))


def warning(page: Any, name: str = WARNING) -> Any:
    return page.get_by_role("alertdialog", name=name)


@pytest.mark.parametrize("width", [360, 1280])
def test_a_partner_keeps_what_they_typed_by_staying_signed_in_with_the_keyboard(
    live_server: Any, page: Any, axe_violations: Any, clock: SessionClock, width: int
) -> None:
    member = UserFactory(organisation_member=True)
    checks = PageChecks(page, axe_violations, width)
    start_page_clock(page, clock)
    log_in(page, live_server.url, member.email, landing=reverse("partner:home"))
    page.goto(live_server.url + reverse("partner:entry"))
    number = page.get_by_label("Numéro du ticket")
    number.fill("1234 5678 9012")
    expect(warning(page)).to_have_count(0)  # no warning while the session has time left

    move(page, clock, hours=1, minutes=58, seconds=30)  # 90 s before the 2 idle hours
    dialog = warning(page)
    expect(dialog).to_be_visible()
    stay = dialog.get_by_role("button", name="Rester connecté")
    expect(stay).to_be_focused()
    expect(dialog).to_have_accessible_description(
        re.compile(
            r"Sans action de votre part, votre session se terminera à 10:00 .*"
            r"Pour votre sécurité, elle prendra fin quoi qu'il arrive le \d\d/\d\d/\d{4} à 08:00 "
            r"\(14 jours après votre connexion\)"
        )
    )
    expect(dialog).to_match_aria_snapshot(
        """
        - alertdialog "Votre session va expirer":
          - heading "Votre session va expirer" [level=2]
          - paragraph: /se terminera à 10:00/
          - paragraph: /prendra fin quoi qu'il arrive/
          - button "Rester connecté"
        """
    )
    checks.check("avertissement de session ouvert")

    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(number).to_be_focused()  # back where the person was
    expect(number).to_have_value("1234 5678 9012")  # nothing reloaded, nothing lost
    expect(page.get_by_role("status").filter(has_text="Session prolongée")).to_have_text(
        "Session prolongée : sans autre action, elle se terminera à 11:58."
    )

    # 3 h 48 after the page was loaded, 1 h 50 after « Rester connecté »: still signed in.
    move(page, clock, hours=1, minutes=50)
    expect(dialog).to_be_hidden()
    page.get_by_role("button", name="Rechercher le ticket").click()
    expect(page).to_have_title(re.compile("^Erreur : Saisir un ticket"))
    checks.assert_clean()


@pytest.mark.parametrize("width", [360, 1280])
def test_the_second_finance_agent_stays_signed_in_and_approves_the_run(
    live_server: Any, page: Any, axe_violations: Any, clock: SessionClock, width: int
) -> None:
    """The audit's case: the approval box ticked, then 30 idle minutes."""
    run = PaymentRunFactory(checked=True)
    PaymentFactory(run=run)
    approver = UserFactory(finance=True)
    checks = PageChecks(page, axe_violations, width)
    start_page_clock(page, clock)
    log_in_staff(page, live_server.url, approver.email, PASSWORD, checks.check_axe_only)
    page.goto(live_server.url + reverse("backoffice:payment_run", args=[run.pk]))
    box = page.get_by_label(APPROVE_CONFIRM)
    box.check()

    move(page, clock, minutes=28, seconds=30)
    dialog = warning(page)
    expect(dialog.get_by_role("button", name="Rester connecté")).to_be_focused()
    expect(dialog).to_have_accessible_description(
        re.compile(r"se terminera à 08:30 .* quoi qu'il arrive à 20:00 \(12 heures après")
    )
    checks.check("avertissement de session ouvert")
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(box).to_be_focused()
    expect(box).to_be_checked()

    move(page, clock, minutes=20)  # 48 min 30 s after the page was loaded
    page.get_by_role("button", name="Approuver la campagne").click()
    expect(page.locator(".messages")).to_contain_text("Campagne approuvée.")
    assert PaymentRun.objects.get(pk=run.pk).status == PaymentRunStatus.APPROVED
    checks.assert_clean()


def test_a_failed_extension_says_so_and_escape_closes_the_warning(
    live_server: Any, page: Any, axe_violations: Any, clock: SessionClock
) -> None:
    member = UserFactory(correspondent=True)
    checks = PageChecks(page, axe_violations, 360)
    start_page_clock(page, clock)
    log_in(page, live_server.url, member.email, landing=reverse("correspondent:home"))
    refusals: list[str] = []

    def refuse_extension(route: Any) -> None:
        if route.request.method == "POST":
            refusals.append(route.request.url)
            route.fulfill(status=503, body="")
        else:
            route.fallback()

    page.route("**/compte/session/", refuse_extension)
    page.get_by_role("link", name="Annuaire").first.focus()
    move(page, clock, hours=1, minutes=59)
    dialog = warning(page)
    stay = dialog.get_by_role("button", name="Rester connecté")
    expect(stay).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog.get_by_role("alert")).to_have_text(
        "La session n'a pas pu être prolongée : réessayez dans un instant. Si l'erreur "
        "persiste, copiez ce que vous avez saisi avant de recharger la page."
    )
    assert refusals == [f"{live_server.url}/compte/session/"]
    expect(stay).to_be_focused()  # still open, to try again
    checks.check("prolongation refusée")

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("link", name="Annuaire").first).to_be_focused()
    assert checks.errors == [f"HTTP 503: {live_server.url}/compte/session/"]
    checks.errors.clear()
    checks.assert_clean()


def test_near_the_absolute_maximum_the_warning_offers_nothing_to_extend(
    live_server: Any, page: Any, axe_violations: Any, clock: SessionClock, settings: Any
) -> None:
    settings.PASSPLUS_SESSION_MAX_HOURS_STAFF = 1
    gestionnaire = UserFactory(gestionnaire=True)
    checks = PageChecks(page, axe_violations, 360)
    start_page_clock(page, clock)
    log_in_staff(page, live_server.url, gestionnaire.email, PASSWORD, checks.check_axe_only)
    move(page, clock, minutes=25)
    page.goto(live_server.url + reverse("backoffice:home"))
    move(page, clock, minutes=25)
    page.reload()  # 8:50: 30 idle minutes would end after the hour, at 9:00
    page.get_by_role("link", name="Aide").first.focus()

    move(page, clock, minutes=8, seconds=30)
    dialog = warning(page)
    close = dialog.get_by_role("button", name="Fermer")
    expect(close).to_be_focused()
    expect(dialog.get_by_role("button", name="Rester connecté")).to_have_count(0)
    expect(dialog).to_have_accessible_description(
        "Votre session se terminera à 09:00 et ne peut pas être prolongée au-delà : elle dure "
        "1 heure au plus. Envoyez dès maintenant ce que vous avez saisi, puis reconnectez-vous."
    )
    checks.check("avertissement final ouvert")
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("link", name="Aide").first).to_be_focused()

    move(page, clock, minutes=2)  # 9:00 and 30 s: expired
    expired = warning(page, "Votre session a expiré")
    login = expired.get_by_role("link", name="Se reconnecter")
    expect(login).to_be_focused()
    expect(login).to_have_attribute("href", "/compte/connexion/?next=/gestion/")
    checks.check("session expirée")
    # The one failed request expected: the script's look at the expired session.
    assert checks.errors == [f"HTTP 401: {live_server.url}/compte/session/"]
    checks.errors.clear()
    checks.assert_clean()


def test_without_javascript_the_login_after_expiry_returns_to_the_page(
    live_server: Any, plain_page: Any, clock: SessionClock
) -> None:
    page = plain_page
    member = UserFactory(organisation_member=True)
    entry = reverse("partner:entry")
    log_in(page, live_server.url, member.email, landing=reverse("partner:home"))
    page.goto(live_server.url + entry)
    expect(warning(page)).to_have_count(0)  # the closed dialog is not shown

    clock.advance(hours=2, minutes=1)
    page.get_by_label("Numéro du ticket").fill("1234 5678 9012")
    page.get_by_role("button", name="Rechercher le ticket").click()
    page.wait_for_url(re.compile(r"/compte/connexion/\?next="))
    expect(page.locator(".messages")).to_have_text(
        "Votre session a expiré après 2 heures d'inactivité : reconnectez-vous."
    )
    fill_login_form(page, member.email)
    page.wait_for_url(live_server.url + entry)
    expect(page.get_by_label("Numéro du ticket")).to_be_visible()
