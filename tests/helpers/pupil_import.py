"""Pupil CSV files as the département sends them, and their upload through the back office."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from passplus.campaigns.models import SchoolYear
from passplus.pupils.csv_import import HEADER_LINE
from passplus.pupils.models import ImportJob
from tests.helpers.tasks import run_queued_tasks

UPLOAD = reverse("backoffice:pupil_import")


def born(year: SchoolYear, age: int = 12) -> str:
    """A birth date making the pupil exactly `age` years old at the start of the year."""
    start = year.starts_on
    return (dt.date(start.year - age, start.month, 1) - dt.timedelta(days=1)).strftime("%d/%m/%Y")


def line(year: SchoolYear, **cells: str) -> str:
    values = {
        "email": "parent.dupont@example.fr",
        "parent": "Claire Dupont",
        "first": "Léa",
        "last": "Dupont",
        "birth": born(year),
        "college": "Collège Paul Éluard",
        "class": "5e",
        "scholarship": "non",
    }
    values.update(cells)
    return ";".join(values.values())


def csv_bytes(*lines: str, header: str = HEADER_LINE, encoding: str = "utf-8") -> bytes:
    return "\r\n".join([header, *lines]).encode(encoding)


def upload(client: Client, year: SchoolYear, data: bytes) -> ImportJob:
    response = client.post(
        UPLOAD,
        {"school_year": year.pk, "file": SimpleUploadedFile("eleves.csv", data, "text/csv")},
    )
    assert response.status_code == 302, response.content.decode()
    run_queued_tasks()
    return ImportJob.objects.latest("pk")
