"""Helpers shared by the browser tests: logging in through the form (staff with their second
factor), watching the console and the network for errors, and checking pages (axe-core,
horizontal scroll) along a journey."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from passplus.accounts.models import User
from tests.helpers.accounts import current_totp
from tests.helpers.factories import PASSWORD
from tests.helpers.paths import ROOT

AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def watch_errors(page: Any) -> list[str]:
    """Collect the page's JavaScript errors and failed loads (a missing stylesheet would make
    the colour-contrast check meaningless). The site has no favicon: Chromium's automatic
    /favicon.ico request is ignored."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"JavaScript error: {error}"))
    page.on(
        "response",
        lambda response: (
            errors.append(f"HTTP {response.status}: {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico")
            else None
        ),
    )
    return errors


def horizontal_overflow(page: Any) -> int:
    """How many pixels the page is wider than the viewport (0 when it fits)."""
    return page.evaluate(
        "() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)"
    )


def fill_login_form(page: Any, email: str, password: str = PASSWORD) -> None:
    """Fill the open login page's form and submit it."""
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def log_in(
    page: Any,
    base_url: str,
    email: str,
    password: str = PASSWORD,
    *,
    landing: str | re.Pattern[str],
    next_path: str = "",
) -> None:
    """Log in through the login page and wait for the page it leads to: `landing` is a path
    (the whole URL must match, after `base_url`) or a pattern searched in the URL."""
    query = f"?next={next_path}" if next_path else ""
    page.goto(f"{base_url}/compte/connexion/{query}")
    fill_login_form(page, email, password)
    page.wait_for_url(f"{base_url}{landing}" if isinstance(landing, str) else landing)


class PageChecks:
    """The checks of the pages a test goes through, reported together at the end.

    Creating it sets the viewport to `width` × `height` and starts watching the page's errors.
    `check(label)` runs axe-core on the current page and measures its horizontal scroll;
    `assert_clean()` fails with every violation found and every error seen. With
    `open_chart_data`, each check runs axe-core a second time after opening every chart's data
    table (`details.chart-data > summary`), before measuring the scroll.
    """

    def __init__(
        self,
        page: Any,
        axe_violations: Callable[[], str],
        width: int,
        *,
        height: int = 800,
        open_chart_data: bool = False,
    ) -> None:
        self.page = page
        self.axe_violations = axe_violations
        self.width = width
        self.open_chart_data = open_chart_data
        self.reports: list[str] = []
        page.set_viewport_size({"width": width, "height": height})
        self.errors = watch_errors(page)

    def check(self, label: str) -> None:
        """Axe-core (and, with `open_chart_data`, again with the data tables opened), then the
        horizontal scroll, reported under `label`."""
        self.reports.append(self.axe_violations())
        if self.open_chart_data:
            for summary in self.page.locator("details.chart-data > summary").all():
                summary.click()
            self.reports.append(self.axe_violations())
        if overflow := horizontal_overflow(self.page):
            self.reports.append(f"{label}: horizontal scroll of {overflow} px at {self.width} px")

    def check_axe_only(self, label: str = "") -> None:
        """Axe-core alone (its report names the page's URL; `label` is accepted so that this
        fits the callback of `log_in_staff`)."""
        self.reports.append(self.axe_violations())

    def assert_clean(self) -> None:
        report = "\n".join(filter(None, self.reports))
        assert not report, report
        assert self.errors == []


def log_in_staff(
    page: Any, base_url: str, email: str, password: str, check: Callable[[str], None]
) -> None:
    log_in(page, base_url, email, password, landing=re.compile(r"/compte/double-authentification/"))
    check("double authentification")
    user = User.objects.get(email=email)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    enrolling = device is None
    if device is None:  # the enrolment page has just created the app's key
        device = TOTPDevice.objects.get(user=user, confirmed=False)
        expect(page.locator("figure.qr-code svg")).to_have_count(1)
    code = page.get_by_label(re.compile("^Code"))
    code.fill(current_totp(device))
    code.press("Enter")
    if enrolling:
        page.wait_for_selector(".recovery-codes")
        check("codes de secours")
        page.get_by_role("link", name="Continuer").click()
    page.wait_for_url(f"{base_url}/gestion/")


def axe_report(page: Any) -> str:
    """Run axe-core on `page` as it is now; its violations as readable text ('' if none)."""
    # A check right after a click may meet the next document before it has a <head>: wait
    # for it to load (the tests themselves wait for what the click should show).
    page.wait_for_load_state("load")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_SCRIPT.read_text())
    results = page.evaluate(
        "async () => { const r = await axe.run();"
        " return {violations: r.violations, passes: r.passes.length}; }"
    )
    # Zero violations means something only if the rules did run on this page.
    assert results["passes"] > 0, f"axe-core checked nothing on {page.url}"
    return format_violations(page.url, results["violations"])


def format_violations(url: str, violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"[{violation['impact']}] {violation['id']}: {violation['help']} "
            f"({violation['helpUrl']})"
        )
        for node in violation["nodes"]:
            lines.append(f"    {' '.join(map(str, node['target']))}  {node['html'][:160]}")
            if node.get("failureSummary"):
                summary = " ".join(node["failureSummary"].split())
                lines.append(f"      -> {summary[:300]}")
    if not lines:
        return ""
    return f"{len(violations)} axe violation(s) on {url}:\n" + "\n".join(lines)
