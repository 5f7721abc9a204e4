"""What the RGAA audit found on small screens and with the keyboard (issue 22 §12), in headless
Chromium: the public pages reflow at 320 px (no horizontal scroll, the footer's address wraps),
the directory's commune select shows its whole text, and a table is a tab stop only while it
scrolls."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.helpers import factories
from tests.helpers.browser import horizontal_overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PUBLIC_PAGES = [
    "public:home",
    "public:directory",
    "public:help",
    "public:help_families",
    "public:help_partners",
    "public:rules",
    "public:legal_notices",
    "public:privacy",
    "public:accessibility",
    "public:identification_form",
    "accounts:login",
]

# Whether the text of a select's chosen option fits inside it, beside the arrow.
SELECT_FITS = """select => {
    const style = getComputedStyle(select);
    const probe = document.createElement('span');
    probe.textContent = select.options[select.selectedIndex].text;
    probe.style.font = style.font;
    probe.style.position = 'absolute';
    probe.style.whiteSpace = 'nowrap';
    document.body.append(probe);
    const text = probe.getBoundingClientRect().width;
    probe.remove();
    const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
    const room = select.clientWidth - padding;
    return text <= room;
}"""


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_the_public_pages_reflow_at_320_pixels(live_server: Any, page: Any, name: str) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(live_server.url + reverse(name))
    assert horizontal_overflow(page) == 0


@pytest.mark.parametrize("width", [320, 1280])
def test_the_directorys_commune_select_shows_its_whole_text(
    live_server: Any, page: Any, width: int
) -> None:
    factories.commune("92002")
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(live_server.url + reverse("public:directory"))
    if not page.locator("#id_commune").is_visible():
        page.get_by_text("Filtrer").click()  # folded on a phone
    assert page.locator("#id_commune").evaluate(SELECT_FITS)


def test_a_table_is_a_tab_stop_only_while_it_scrolls(live_server: Any, page: Any) -> None:
    member = factories.UserFactory(organisation_member=True)
    factories.RedemptionFactory(organisation=member.organisation)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill(member.email)
    page.get_by_label("Mot de passe").fill(factories.PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{live_server.url}/espace-affilie/")
    page.goto(live_server.url + reverse("partner:redemptions"))
    page.wait_for_load_state("load")
    wrap = page.locator(".table-wrap[role=region]").first

    assert wrap.get_attribute("tabindex") is None  # the table fits: not a tab stop

    wrap.evaluate("element => { element.style.width = '120px'; }")
    page.evaluate("() => window.dispatchEvent(new Event('resize'))")
    expect(wrap).to_have_attribute("tabindex", "0")  # it scrolls now: the keyboard can reach it
