"""The open-source conventions (issue 23): the licence text, publiccode.yml, the changelog and
the contributors' guide agree with pyproject.toml, with the settings and with the repository
they describe."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tomllib
from typing import Any

import yaml
from django.conf import settings

from tests.helpers.paths import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
# https://www.gnu.org/licenses/agpl-3.0.txt (its https:// revision, 661 lines, 34,523 bytes).
AGPL_3_SHA256 = "0d96a4ff68ad6d4b6f1f30f713b18d5184912ba8dd389f86aa7710db079abcb0"
RELEASE = re.compile(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$", re.MULTILINE)
# publiccode.yml 0.4's controlled vocabularies (docs/standard/scope-list.rst and the schema).
SCOPES = {
    "agriculture", "culture", "defence", "education", "emergency-services", "employment",
    "energy", "environment", "finance-and-economic-development", "foreign-affairs", "healthcare",
    "infrastructures", "justice", "local-authorities", "manufacturing", "research",
    "science-and-technology", "security", "society", "sport", "tourism", "transportation",
    "welfare",
}  # fmt: skip
STATUSES = {"concept", "development", "beta", "stable", "obsolete"}


def publiccode() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "publiccode.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def changelog() -> str:
    return (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_the_licence_is_the_official_agpl_3_text_that_pyproject_declares() -> None:
    raw = (ROOT / "LICENSE").read_bytes()
    lines = [line.strip() for line in raw.decode("utf-8").splitlines() if line.strip()]

    assert lines[:2] == ["GNU AFFERO GENERAL PUBLIC LICENSE", "Version 3, 19 November 2007"]
    assert hashlib.sha256(raw).hexdigest() == AGPL_3_SHA256  # verbatim, not retyped
    assert PYPROJECT["license"] == {"text": "AGPL-3.0-or-later"}


def test_publiccode_has_the_keys_the_standard_requires() -> None:
    data = publiccode()

    assert data["publiccodeYmlVersion"] == "0.4"
    for key in ("name", "url", "platforms", "categories", "developmentStatus", "softwareType"):
        assert data[key], key
    assert data["url"].startswith("https://")
    assert "web" in data["platforms"]
    assert data["softwareType"] == "standalone/web"
    assert data["developmentStatus"] in STATUSES
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", category) for category in data["categories"])
    french = data["description"]["fr"]
    assert 0 < len(french["shortDescription"]) <= 150
    assert 150 <= len(french["longDescription"]) <= 10_000
    assert len(french["genericName"]) <= 35
    assert len(french["features"]) >= 5
    maintenance = data["maintenance"]
    assert maintenance["type"] in {"internal", "community"}
    assert maintenance["contacts"] and all(contact["name"] for contact in maintenance["contacts"])
    assert all("email" not in contact for contact in maintenance["contacts"])  # a role, no one's
    assert isinstance(data["localisation"]["localisationReady"], bool)
    assert data["intendedAudience"]["countries"] == ["fr"]
    assert set(data["intendedAudience"]["scope"]) <= SCOPES


def test_publiccode_follows_pyproject_the_settings_and_the_changelog() -> None:
    data = publiccode()
    version, date = RELEASE.findall(changelog())[0]

    assert data["softwareVersion"] == PYPROJECT["version"] == version
    assert data["releaseDate"] == date  # quoted: a string, as the standard's dates are
    assert data["legal"]["license"] == PYPROJECT["license"]["text"]
    assert data["localisation"]["availableLanguages"] == [code for code, _ in settings.LANGUAGES]
    dependencies = {item["name"]: item for item in data["dependsOn"]["open"]}
    assert {"Python", "Django", "PostgreSQL"} <= dependencies.keys()
    assert PYPROJECT["requires-python"] == f">={dependencies['Python']['versionMin']}"
    django_version = dependencies["Django"]["version"]
    assert f"Django>={django_version}," in " ".join(PYPROJECT["dependencies"])
    required = ("Python", "Django", "PostgreSQL")
    assert not any(dependencies[name].get("optional") for name in required)


def test_the_changelog_keeps_an_unreleased_section_above_dated_releases() -> None:
    text = changelog()
    headings = re.findall(r"^## (.+)$", text, re.MULTILINE)
    releases = RELEASE.findall(text)

    assert headings[0] == "[Non publié]"
    assert len(releases) == len(headings) - 1  # every other heading is a dated release
    dates = [dt.date.fromisoformat(date) for _, date in releases]
    assert dates == sorted(dates, reverse=True)
    versions = [tuple(int(part) for part in number.split(".")) for number, _ in releases]
    assert versions == sorted(versions, reverse=True)
    sections = set(re.findall(r"^### (.+)$", text, re.MULTILINE))
    assert sections <= {"Ajouté", "Modifié", "Obsolète", "Supprimé", "Corrigé", "Sécurité"}
    assert "`v0.1.0`" in text  # how tags are named


def test_contributing_names_only_make_targets_and_paths_that_exist() -> None:
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z-]+):", makefile, re.MULTILINE))

    named = set(re.findall(r"\bmake ([a-z-]+)", text))
    assert {"run", "test", "quality", "test-serial", "bench"} <= named
    assert named <= targets
    paths = set(re.findall(r"`((?:\.ci|docs|tests|scripts|passplus|bench)/[\w./-]*)`", text))
    paths |= {"LICENSE", "SECURITY.md", "CHANGELOG.md", ".env.example", "requirements.lock"}
    assert {path for path in paths if not (ROOT / path).exists()} == set()
    assert "PYTEST_ARGS=--create-db" in text
    assert "DATABASE_URL=" in text


def test_the_readme_links_the_contributing_security_licence_and_changelog_files() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")

    for name in ("CONTRIBUTING.md", "SECURITY.md", "LICENSE", "CHANGELOG.md", "publiccode.yml"):
        assert f"]({name})" in readme, name
