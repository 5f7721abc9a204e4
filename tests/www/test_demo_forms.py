"""No form answers 500, whatever is typed: on the demo data, every POST form each role is shown
is sent twice, empty and filled with nonsense, and must answer with a page or a redirect (a
French message in the page, tested elsewhere form by form), never a server error. A page that
refuses the form announces it (issue 22 §1): its title starts "Erreur : " and an error summary,
focused on load, links to every field in error."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup, Tag

from passplus.accounts.models import Role, User
from passplus.www.autocomplete import AUTOCOMPLETE
from tests.helpers.accounts import VerifiedClient
from tests.helpers.crawl import crawl

NONSENSE = "Ω<script>x</script>' OR 1=1 -- 31/02/1900 9" * 60  # about 2,600 characters
NOT_SENT = ("/compte/deconnexion/",)


def form_fields(form: Tag) -> tuple[dict[str, str], list[str]]:
    """(hidden fields with their values, names of the fields a person fills in)."""
    hidden: dict[str, str] = {}
    visible: list[str] = []
    for field in form.select("input[name], select[name], textarea[name]"):
        name = str(field["name"])
        if name == "csrfmiddlewaretoken":
            continue
        if field.name == "input" and field.get("type") == "hidden":
            hidden[name] = str(field.get("value", ""))
        elif field.name == "input" and field.get("type") == "file":
            continue
        else:
            visible.append(name)
    return hidden, visible


@pytest.mark.parametrize("role", Role.values)
def test_no_form_answers_500_to_empty_or_nonsense_input(shared_demo: str, role: str) -> None:
    client = VerifiedClient()
    client.force_login(User.objects.filter(role=role, is_active=True).order_by("pk").first())
    forms: dict[tuple[str, tuple[str, ...]], tuple[str, dict[str, str], list[str]]] = {}
    unnamed: set[str] = set()  # fields of AUTOCOMPLETE without their token (issue 22 §8)

    def collect(url: str, html: BeautifulSoup) -> None:
        for field in html.select("form input[name], form textarea[name]"):
            expected = AUTOCOMPLETE.get(str(field["name"]))
            if expected and field.get("autocomplete") not in (expected, "off"):
                unnamed.add(f"{url} {field['name']}: {field.get('autocomplete')!r}")
        for form in html.select("form"):
            if str(form.get("method", "get")).lower() != "post":
                continue
            action = urlsplit(urljoin(url, str(form.get("action") or url)))
            target = action.path + (f"?{action.query}" if action.query else "")
            hidden, visible = form_fields(form)
            forms.setdefault((action.path, tuple(sorted(visible))), (target, hidden, visible))

    crawl(client, client.get("/compte/")["Location"], on_page=collect)
    failures, unannounced, refusals = [], [], 0
    for target, hidden, visible in forms.values():
        if target.startswith(NOT_SENT):
            continue
        for value in ("", NONSENSE):
            response = client.post(target, {**hidden, **dict.fromkeys(visible, value)})
            if response.status_code >= 500:
                failures.append(f"{response.status_code} POST {target} ({value[:10]!r}…)")
            elif response.status_code == 200 and "text/html" in response["Content-Type"]:
                problems = refusal_problems(BeautifulSoup(response.content, "html.parser"))
                refusals += problems is not None
                unannounced.extend(f"POST {target} ({value[:10]!r}…): {p}" for p in problems or [])
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
