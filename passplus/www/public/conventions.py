"""The exact text of each convention version, public: what a partner accepts is readable."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from passplus.conventions.models import ConventionVersion


def convention_version(request: HttpRequest, label: str) -> HttpResponse:
    version = get_object_or_404(ConventionVersion, label=label)
    return render(request, "public/convention_version.html", version_context(version))


def version_context(version: ConventionVersion) -> dict[str, Any]:
    return {
        "version": version,
        "rules_paragraphs": _paragraphs(version.rules),
        "body_paragraphs": _paragraphs(version.body),
    }


def _paragraphs(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]
