"""Non-text contrast (RGAA 3.3, WCAG 1.4.11), which axe-core does not measure: every visible
field, select and button is told from its background by its border or its fill at 3:1 at least,
and so is every bar of the dashboard's charts. Native check boxes and radio buttons keep
Chromium's own drawing (a #767676 border, 4.5:1 on white)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.helpers import factories
from tests.helpers.browser import log_in, log_in_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The components under 3:1 on the page, as "html… ratio".
LOW_CONTRAST = """() => {
  const channel = v => {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const luminance = colour => {
    const [r, g, b] = colour.match(/[\\d.]+/g).slice(0, 3).map(Number).map(channel);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => {
    const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (light + 0.05) / (dark + 0.05);
  };
  const transparent = c => c === 'transparent' || /, 0\\)$/.test(c);
  const behind = element => {
    for (let e = element.parentElement; e; e = e.parentElement) {
      const colour = getComputedStyle(e).backgroundColor;
      if (!transparent(colour)) return colour;
    }
    return 'rgb(255, 255, 255)';
  };
  const low = [];
  const controls = 'input:not([type=hidden]):not([type=checkbox]):not([type=radio]),'
    + ' select, textarea, button:not(.link-button), a.button';
  document.querySelectorAll(controls).forEach(element => {
    if (!element.getClientRects().length) return;
    const style = getComputedStyle(element);
    const back = behind(element);
    const border = parseFloat(style.borderTopWidth) > 0 ? ratio(style.borderTopColor, back) : 1;
    const fill = transparent(style.backgroundColor) ? 1 : ratio(style.backgroundColor, back);
    const best = Math.max(border, fill);
    if (best < 3) low.push(element.outerHTML.slice(0, 90) + ' ' + best.toFixed(2));
  });
  document.querySelectorAll('.chart svg rect[fill], .chart svg path[fill]').forEach(mark => {
    const fill = getComputedStyle(mark).fill;
    if (fill === 'none' || !fill.startsWith('rgb')) return;
    const best = ratio(fill, behind(mark.closest('svg')));
    if (best < 3) low.push('chart ' + mark.outerHTML.slice(0, 60) + ' ' + best.toFixed(2));
  });
  return low;
}"""


def test_fields_buttons_and_chart_bars_stand_out_from_their_background(
    live_server: Any, page: Any
) -> None:
    year = factories.SchoolYearFactory()
    factories.RedemptionFactory(ticket__wallet__school_year=year)
    member = factories.UserFactory(organisation_member=True)
    staff = factories.UserFactory(gestionnaire=True, email="gestion@example.fr")
    low: list[str] = []
    for name in ("accounts:login", "public:directory", "accounts:password_reset"):
        page.goto(live_server.url + reverse(name))
        low += [f"{name}: {item}" for item in page.evaluate(LOW_CONTRAST)]

    log_in(page, live_server.url, member.email, landing="/espace-affilie/")
    page.goto(live_server.url + reverse("partner:entry"))
    low += [f"entry: {item}" for item in page.evaluate(LOW_CONTRAST)]
    page.context.clear_cookies()

    log_in_staff(page, live_server.url, staff.email, factories.PASSWORD, lambda _: None)
    page.goto(live_server.url + reverse("backoffice:home"))
    expect(page.locator(".chart svg").first).to_be_visible()  # the charts were measured
    low += [f"back office: {item}" for item in page.evaluate(LOW_CONTRAST)]

    assert low == []
