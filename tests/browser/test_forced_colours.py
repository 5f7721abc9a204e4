"""Forced colours (Windows high contrast, emulated by Chromium): the back office's charts keep
their labels, values and bars in the system colours the user chose. A fill written into the
SVG (near-black #1b1b1b) is not forced by the browser: on a black Canvas the text vanished
(issue 32). Under `forced_colors="active"` every text of a chart is painted in CanvasText and
every bar in a system colour that stands out from Canvas."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.helpers import factories
from tests.helpers.browser import log_in_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The system colours as this Chromium resolves them, read from elements painted with them,
# and the computed fills of every text and bar of the charts.
PAINT = """() => {
  const probe = (colour) => {
    const element = document.createElement('span');
    element.style.color = colour;
    document.body.append(element);
    const value = getComputedStyle(element).color;
    element.remove();
    return value;
  };
  const fills = selector => [...document.querySelectorAll(selector)].map(
    element => getComputedStyle(element).fill);
  return {
    canvas_text: probe('CanvasText'),
    canvas: probe('Canvas'),
    texts: fills('.chart svg text'),
    bars: fills('.chart svg rect.bar'),
  };
}"""


@pytest.fixture
def forced_page(browser: Any) -> Iterator[Any]:
    """A page of a context in forced-colours mode, dark (white text on black, as reported)."""
    context = browser.new_context(locale="fr-FR", forced_colors="active", color_scheme="dark")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_chart_labels_values_and_bars_follow_the_forced_system_colours(
    live_server: Any, forced_page: Any
) -> None:
    year = factories.SchoolYearFactory()
    factories.RedemptionFactory(ticket__wallet__school_year=year)
    staff = factories.UserFactory(gestionnaire=True, email="gestion@example.fr")
    log_in_staff(forced_page, live_server.url, staff.email, factories.PASSWORD, lambda _: None)
    forced_page.goto(live_server.url + reverse("backoffice:home"))
    expect(forced_page.locator(".chart svg text").first).to_be_visible()

    paint = forced_page.evaluate(PAINT)

    assert forced_page.evaluate("matchMedia('(forced-colors: active)').matches") is True
    assert paint["texts"] and paint["bars"]
    assert set(paint["texts"]) == {paint["canvas_text"]}, paint
    assert "rgb(27, 27, 27)" not in paint["texts"]  # the hard-coded near-black
    assert paint["canvas"] not in paint["bars"], paint
    assert "rgb(11, 79, 138)" not in paint["bars"]  # the hard-coded dark blue
