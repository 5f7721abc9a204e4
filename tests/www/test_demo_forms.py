"""No form answers 500, whatever is typed: on the demo data, every POST form each role is shown
is sent twice, empty and filled with nonsense, and must answer with a page or a redirect (a
French message in the page, tested elsewhere form by form), never a server error. A page that
refuses the form announces it (issue 22 §1): its title starts "Erreur : " and an error summary,
focused on load, links to every field in error, in plain text (issue 32: never a label's
markup)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from passplus.accounts.models import Role, User
from passplus.www.autocomplete import AUTOCOMPLETE
from tests.helpers.accounts import VerifiedClient
from tests.helpers.crawl import crawl
from tests.helpers.form_refusals import PostForm, post_forms_of, summary_markup

NONSENSE = "Ω<script>x</script>' OR 1=1 -- 31/02/1900 9" * 60  # about 2,600 characters


@pytest.mark.parametrize("role", Role.values)
def test_no_form_answers_500_to_empty_or_nonsense_input(shared_demo: str, role: str) -> None:
    client = VerifiedClient()
    client.force_login(User.objects.filter(role=role, is_active=True).order_by("pk").first())
    forms: dict[tuple[str, tuple[str, ...]], PostForm] = {}
    unnamed: set[str] = set()  # fields of AUTOCOMPLETE without their token (issue 22 §8)

    def collect(url: str, html: BeautifulSoup) -> None:
        for field in html.select("form input[name], form textarea[name]"):
            expected = AUTOCOMPLETE.get(str(field["name"]))
            if expected and field.get("autocomplete") not in (expected, "off"):
                unnamed.add(f"{url} {field['name']}: {field.get('autocomplete')!r}")
        for key, form in post_forms_of(url, html):
            forms.setdefault(key, form)

    crawl(client, client.get("/compte/")["Location"], on_page=collect)
    failures, unannounced, refusals = [], [], 0
    for form in forms.values():
        for value in ("", NONSENSE):
            response = client.post(form.target, form.data(value))
            if response.status_code >= 500:
                failures.append(f"{response.status_code} POST {form.target} ({value[:10]!r}…)")
            elif response.status_code == 200 and "text/html" in response["Content-Type"]:
                page = BeautifulSoup(response.content, "html.parser")
                problems = refusal_problems(page)
                refusals += problems is not None
                where = f"POST {form.target} ({value[:10]!r}…)"
                unannounced.extend(f"{where}: {p}" for p in problems or [])
                # Sent empty, nothing typed comes back: markup could only be a label's.
                markup = summary_markup(page) if not value else []
                unannounced.extend(f"{where}: markup {line!r}" for line in markup)
    assert failures == []
    assert unannounced == []
    assert unnamed == set()
    assert len(forms) >= 2  # the crawl did find the role's forms
    assert refusals >= 1  # some form did refuse the nonsense: the announcement was checked


def refusal_problems(page: BeautifulSoup) -> list[str] | None:
    """None when the page shows no field in error; else what is missing from its announcement:
    the title's "Erreur : ", the summary focused on load, a link from it to each field."""
    errors = page.select("[id$=_error]")
    invalid = page.select('[aria-invalid="true"]')
    if not errors and not invalid and page.select_one("#resume-erreurs") is None:
        return None
    problems = []
    title = page.title.get_text() if page.title else ""
    if not title.startswith("Erreur : "):
        problems.append(f"title {title!r}")
    summary = page.select_one("#resume-erreurs")
    if summary is None or not summary.has_attr("autofocus"):
        return [*problems, "no error summary focused on load"]
    links = {str(link["href"]) for link in summary.select("a[href]")}
    for error in errors:
        field = str(error["id"]).removesuffix("_error")
        if not {f"#{field}", f"#{field}_0"} & links:
            problems.append(f"no link to #{field} in the summary")
    return problems
