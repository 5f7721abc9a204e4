"""The nginx configuration of docs/deployment.md keeps live links out of the access log (issue 30
§1, "Proxy logs"): every route of the URLconf whose path carries a secret (a token, a password
reset's uidb64, any parameter not known to be public) is masked by the documented maps, in the
request line and in the Referer, and the documented log format logs only the masked values.

The maps are read from the docs and applied here the way nginx applies them: regular
expressions in order, the first match wins, its named captures put into the value."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.converters import IntConverter, UUIDConverter

from tests.helpers.paths import ROOT

DEPLOYMENT = ROOT / "docs" / "deployment.md"
# Route parameters whose value is no secret, each with what it is. Any other non-numeric
# parameter is taken for a secret and must be masked.
PUBLIC_PARAMETERS = {
    "slug": "a dashboard's or a wizard step's name",
    "label": "a convention version's label, printed on the convention",
    "name": "a scheduled job's name",
    "object_id": "Django admin: a row's primary key",
    "content_type_id": "Django admin: a model's content type",
    "app_label": "Django admin: an application's name",
    "url": "Django admin: the catch-all that redirects or answers 404",
}
SECRET_SAMPLE = "s3cr3tSample{}"


@dataclass(frozen=True)
class Route:
    name: str
    path: str  # a sample path, secrets replaced by SECRET_SAMPLE values
    secrets: tuple[str, ...]


def _routes(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[Route]:
    for pattern in patterns:
        route = str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + route)
            continue
        converters = getattr(pattern.pattern, "converters", {})
        if route.startswith("^") or not converters:
            # A regular expression (Django admin's): its parameters are named below.
            names = re.findall(r"\(\?P<(\w+)>", route)
            secrets = tuple(name for name in names if name not in PUBLIC_PARAMETERS)
            yield Route(str(pattern.name), prefix + route, secrets)
            continue
        sample, secrets = prefix + route, []
        for name, converter in converters.items():
            if isinstance(converter, IntConverter | UUIDConverter):
                value = "7" if isinstance(converter, IntConverter) else "0" * 32
            elif name in PUBLIC_PARAMETERS:
                value = "sample"
            else:
                value = SECRET_SAMPLE.format(len(secrets))
                secrets.append(value)
            if isinstance(converter, UUIDConverter):
                value = "00000000-0000-0000-0000-000000000000"
            sample = re.sub(rf"<(\w+:)?{name}>", value, sample)
        yield Route(str(pattern.name), "/" + sample, tuple(secrets))


def secret_routes() -> list[Route]:
    return [route for route in _routes(get_resolver().url_patterns) if route.secrets]


def documented_nginx() -> str:
    blocks = re.findall(r"```nginx\n(.*?)```", DEPLOYMENT.read_text(), re.DOTALL)
    (block,) = [block for block in blocks if "log_format" in block]
    return str(block)


def nginx_map(config: str, source: str, target: str) -> list[tuple[str, str]]:
    """The entries of `map $source $target { ... }`, in order: (pattern, value)."""
    match = re.search(rf"map \${source} \${target} \{{\n(.*?)\n\}}", config, re.DOTALL)
    assert match is not None, f"no map ${source} ${target} in the documented configuration"
    entries = []
    for line in match.group(1).splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            entry = re.fullmatch(r'("[^"]*"|\S+)\s+("[^"]*"|\S+);', line)
            assert entry is not None, line
            entries.append((entry.group(1).strip('"'), entry.group(2).strip('"')))
    return entries


def apply_map(entries: list[tuple[str, str]], variable: str, value: str) -> str:
    def fill(template: str, captures: dict[str, str]) -> str:
        captures = {**captures, variable: value}
        return re.sub(r"\$\{?(\w+)\}?", lambda m: captures[m.group(1)], template)

    for pattern, result in entries:
        if pattern.startswith("~"):
            found = re.search(pattern[1:].replace("(?<", "(?P<"), value)
            if found is not None:
                return fill(result, found.groupdict())
    default = dict(entries)["default"]
    return fill(default, {})


def test_every_route_carrying_a_secret_is_masked_in_the_logged_request_line() -> None:
    entries = nginx_map(documented_nginx(), "request_uri", "passplus_log_uri")
    leaking = [
        f"{route.name}: {route.path} logged as {logged}"
        for route in secret_routes()
        for logged in [apply_map(entries, "request_uri", f"{route.path}?next=/")]
        if any(secret in logged for secret in route.secrets)
    ]
    assert leaking == []


def test_every_route_carrying_a_secret_is_masked_in_the_logged_referer() -> None:
    entries = nginx_map(documented_nginx(), "http_referer", "passplus_log_referer")
    leaking = [
        f"{route.name}: {logged}"
        for route in secret_routes()
        for logged in [apply_map(entries, "http_referer", f"https://pass.example.fr{route.path}")]
        if any(secret in logged for secret in route.secrets)
    ]
    assert leaking == []


def test_the_walk_finds_the_reset_and_invitation_links_and_their_sample_paths_resolve() -> None:
    routes = {route.name: route for route in secret_routes()}
    assert set(routes) >= {"password_reset_confirm", "invitation", "member_invitation"}
    assert resolve(routes["invitation"].path).url_name == "invitation"
    assert resolve(routes["password_reset_confirm"].path).kwargs == {
        "uidb64": SECRET_SAMPLE.format(0),
        "token": SECRET_SAMPLE.format(1),
    }


def test_other_paths_are_logged_as_they_are() -> None:
    config = documented_nginx()
    uri_map = nginx_map(config, "request_uri", "passplus_log_uri")
    referer_map = nginx_map(config, "http_referer", "passplus_log_referer")
    assert apply_map(uri_map, "request_uri", "/annuaire/?q=judo") == "/annuaire/?q=judo"
    assert apply_map(referer_map, "http_referer", "https://x.fr/aide/") == "https://x.fr/aide/"
    assert apply_map(uri_map, "request_uri", "/espace-affilie/membre/abc/") == (
        "/espace-affilie/membre/-masked-"
    )


def test_the_documented_log_format_logs_only_the_masked_values() -> None:
    config = documented_nginx()
    log_format = re.search(r"log_format passplus (.*?);", config, re.DOTALL)
    assert log_format is not None
    logged = set(re.findall(r"\$(\w+)", log_format.group(1)))
    assert {"passplus_log_uri", "passplus_log_referer"} <= logged
    assert logged.isdisjoint({"request", "request_uri", "uri", "http_referer", "args"})
    assert re.search(r"^access_log \S+ passplus;", config, re.MULTILINE)
