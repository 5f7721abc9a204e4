"""Static files as production serves them: `collectstatic` with whitenoise's manifest storage.

The test settings use the plain storage; this module switches to production's, which refuses
to run when a file references another that is missing (a vendored script's source map), and
which answers 500 for a `{% static %}` path absent from the manifest.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.helpers import factories

pytestmark = pytest.mark.django_db

PRODUCTION_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"


@pytest.fixture
def collected(settings: Any, tmp_path: Path) -> dict[str, str]:
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": PRODUCTION_STORAGE}}
    call_command("collectstatic", interactive=False, verbosity=0)
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
    paths: dict[str, str] = manifest["paths"]
    return paths


def test_collectstatic_runs_as_in_production(collected: dict[str, str], settings: Any) -> None:
    for name in ("vendor/qr-scanner/qr-scanner.umd.min.js", "css/passplus.css", "img/favicon.svg"):
        hashed = collected[name]
        assert hashed != name  # a content hash in the name: cacheable forever
        assert (Path(settings.STATIC_ROOT) / hashed).is_file()
        assert (Path(settings.STATIC_ROOT) / f"{hashed}.gz").is_file()  # compressed beside


def test_pages_find_every_static_file_they_reference(
    collected: dict[str, str], client: Client
) -> None:
    member = factories.UserFactory(organisation_member=True)
    pages = [reverse("public:home"), reverse("public:directory"), reverse("accounts:login")]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
    client.force_login(member)
    response = client.get(reverse("partner:entry"))  # loads the vendored QR scanner
    assert response.status_code == 200
    hashed = collected["vendor/qr-scanner/qr-scanner.umd.min.js"]
    assert f"/static/{hashed}" in response.content.decode()
