"""The restore drill (scripts/restore_drill.py, `make restore-drill`, issue 31) reports what a
restore lost: a table whose rows did not all come back, a convention whose file, hash or seal
no longer holds, a SEPA file that is not the one whose SHA-256 the run stores, an e-mail waiting
in the queue that this SECRET_KEY cannot decrypt. Its checks run here on any database; the whole
drill (pg_dump, pg_restore into a scratch database, the checks on the restored rows) on the demo
data runs on PostgreSQL."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from reportlab.pdfgen import canvas

from passplus.audit.models import AuditEvent
from passplus.conventions.models import Convention
from passplus.notifications.queue_secrets import seal_text
from passplus.payments.models import PaymentRun
from passplus.signatures.sealing import seal_pdf, seal_trust_root
from tests.helpers.paths import ROOT
from tests.helpers.skips import needs_postgresql


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up; the drill its checks
    spec.loader.exec_module(module)
    return module


checks = _load("restore_drill_checks")
drill = _load("restore_drill")


def sealed_pdf() -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pageCompression=0)  # the text readable in the bytes
    page.drawString(72, 760, "Convention de test")
    page.showPage()
    page.save()
    return seal_pdf(buffer.getvalue())


def stored(media: Path, name: str, content: bytes, label: str = "convention 1") -> Any:
    """`content` written under `media` as `name`, with the hash a row would store."""
    (media / name).parent.mkdir(parents=True, exist_ok=True)
    (media / name).write_bytes(content)
    return checks.StoredFile(label, name, hashlib.sha256(content).hexdigest())


def test_the_counts_report_a_table_whose_rows_did_not_all_come_back() -> None:
    source = {"public.audit_auditevent": 40, "public.tickets_ticket": 12, "public.extra": 1}
    restored = {"public.audit_auditevent": 40, "public.tickets_ticket": 0, "public.other": 3}

    assert checks.compare_counts(source, source) == []
    assert checks.compare_counts(source, restored) == [
        "table public.extra absente de la restauration",
        "table public.other absente de la base d'origine",
        "table public.tickets_ticket : 12 ligne(s) dans la base, 0 restaurée(s)",
    ]


def test_a_sealed_convention_passes_and_a_tampered_seal_is_reported(tmp_path: Path) -> None:
    pdf = sealed_pdf()
    good = stored(tmp_path, "conventions/1/convention.pdf", pdf)
    assert checks.check_conventions([good], tmp_path, seal_trust_root()) == []

    # The text under the seal changed, and the stored hash with it: only the seal can tell.
    tampered_pdf = pdf.replace(b"Convention de test", b"Convention de TEST", 1)
    assert tampered_pdf != pdf
    tampered = stored(tmp_path, "conventions/2/convention.pdf", tampered_pdf, "convention 2")
    (problem,) = checks.check_conventions([tampered], tmp_path, seal_trust_root())
    assert problem.startswith("convention 2 : cachet non intact")


def test_a_file_missing_or_not_matching_its_stored_hash_is_reported(tmp_path: Path) -> None:
    good = stored(tmp_path, "sepa/2026/11/run.xml", b"<Document/>", "campagne 1")
    changed = checks.StoredFile("campagne 2", good.name, hashlib.sha256(b"other").hexdigest())
    missing = checks.StoredFile("campagne 3", "sepa/2026/12/run.xml", good.sha256)
    no_file = checks.StoredFile("campagne 4", "", good.sha256)
    outside = checks.StoredFile("campagne 5", "../../etc/passwd", good.sha256)

    problems = checks.check_hashes([good, changed, missing, no_file, outside], tmp_path)

    assert [problem.split(" : ")[0] for problem in problems] == [
        "campagne 2",
        "campagne 3",
        "campagne 4",
        "campagne 5",
    ]
    assert "n'est pas celle enregistrée" in problems[0]
    assert "fichier absent" in problems[1]
    assert "aucun fichier" in problems[2]
    assert "hors de MEDIA_ROOT" in problems[3]


def test_a_queued_e_mail_another_secret_key_sealed_is_reported(settings: Any) -> None:
    readable = seal_text('{"subject": "Bienvenue"}')
    settings.SECRET_KEY = "the-key-of-another-installation-" + "y" * 30
    other = seal_text('{"subject": "Bienvenue"}')

    assert checks.check_queue([("b", other)]) == []
    assert checks.check_queue([("a", readable), ("b", other)]) == [
        "tâche a : indéchiffrable avec ce SECRET_KEY"
    ]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason=needs_postgresql("the drill runs pg_dump and pg_restore: PostgreSQL only"),
)
@pytest.mark.django_db(transaction=True)
def test_the_drill_restores_the_demo_whole_and_reports_what_a_restore_lost(
    settings: Any, tmp_path: Path
) -> None:
    call_command("demo", stdout=io.StringIO())
    media = Path(settings.MEDIA_ROOT)
    database = drill.Database.from_settings(connection.settings_dict)
    scratch = f"{database.name}_restore_drill"
    dump = tmp_path / "drill.dump"

    source_counts = drill.dump_and_count(database, dump)
    assert source_counts[f"public.{Convention._meta.db_table}"] == Convention.objects.count()
    with drill.scratch_database(database, scratch, keep=False):
        drill.restore(database, dump, scratch)
        report = drill.verify(database, scratch, media, source_counts)
        assert report.problems == []
        signed = Convention.objects.exclude(signed_pdf="").count()
        assert signed > 0 and PaymentRun.objects.exclude(sepa_file="").count() == 1
        assert f"OK    Conventions signées : {signed} PDF présents" in "\n".join(report.lines)

        # What a bad restore looks like: one table's rows lost, a convention PDF and a SEPA
        # file that are not the ones sealed and hashed, another installation's SECRET_KEY.
        journal = AuditEvent._meta.db_table
        with database.connect(scratch) as restored:
            restored.execute(f'DELETE FROM "{journal}"')  # noqa: S608 (a model's table)
        copy = tmp_path / "restored-media"
        shutil.copytree(media, copy)
        convention = Convention.objects.exclude(signed_pdf="").order_by("pk").first()
        run = PaymentRun.objects.exclude(sepa_file="").get()
        assert convention is not None
        (copy / convention.signed_pdf.name).write_bytes(b"%PDF-1.7 not the sealed one")
        with (copy / run.sepa_file.name).open("ab") as sepa:
            sepa.write(b"\n")
        settings.SECRET_KEY = "the-key-of-another-installation-" + "y" * 30

        failed = drill.verify(database, scratch, copy, source_counts)

    problems = "\n".join(failed.problems)
    rows = source_counts[f"public.{journal}"]
    assert f"table public.{journal} : {rows} ligne(s) dans la base, 0 restaurée(s)" in problems
    assert f"convention {convention.pk} : l'empreinte SHA-256 du fichier" in problems
    assert f"campagne de remboursement {run.pk} : l'empreinte SHA-256 du fichier" in problems
    assert "indéchiffrable avec ce SECRET_KEY" in problems
    assert len(failed.problems) == 3 + sum("indéchiffrable" in line for line in failed.problems)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [scratch])
        assert cursor.fetchone()[0] == 0  # the scratch database is dropped
