"""The `make quality` check that the pages write nothing themselves (scripts/check_www_writes.py):
it flags writes planted in a page, not the page's ordinary dict, form, message, session or
header work, and passes on the real tree."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from tests.helpers.paths import ROOT

SCRIPT = ROOT / "scripts" / "check_www_writes.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_www_writes", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


checker = _load()


def flagged(source: str) -> list[str]:
    return [finding.what for finding in checker.check_source(textwrap.dedent(source))]


@pytest.mark.parametrize(
    ("source", "what"),
    [
        ("def view(request, organisation):\n    organisation.save()", "organisation.save"),
        ("organisation.save(update_fields=['status'])", "organisation.save"),
        (
            "Organisation.objects.filter(pk=1).update(status='x')",
            "Organisation.objects.filter(pk=1).update",
        ),
        ("Organisation.objects.update(status='x')", "Organisation.objects.update"),
        (
            "organisations.select_for_update().update(status='x')",
            "organisations.select_for_update().update",
        ),
        ("queryset.update(status='x')", "queryset.update"),  # keyword arguments only
        ("Organisation.objects.create(legal_name='x')", "Organisation.objects.create"),
        ("organisation.activities.create(name='x')", "organisation.activities.create"),
        ("Ticket.objects.bulk_create(tickets)", "Ticket.objects.bulk_create"),
        ("Ticket.objects.bulk_update(tickets, ['status'])", "Ticket.objects.bulk_update"),
        ("JobState.objects.get_or_create(job='x')", "JobState.objects.get_or_create"),
        ("JobState.objects.update_or_create(job='x')", "JobState.objects.update_or_create"),
        ("User.objects.create_user('a@example.fr', 'pw')", "User.objects.create_user"),
        ("ticket.delete()", "ticket.delete"),
        ("Ticket.objects.filter(pk=1).delete()", "Ticket.objects.filter(pk=1).delete"),
        ("form.save()", "form.save"),  # a model form's save() writes
        ("job.file.save('import.csv', upload, save=False)", "job.file.save"),
        ("with transaction.atomic():\n    pass", "transaction.atomic"),
        ("@transaction.atomic\ndef view(request):\n    pass", "transaction.atomic"),
        ("transaction.on_commit(send)", "transaction.on_commit"),
        ("from django.db import transaction", "import django.db.transaction"),
        ("from django.db.transaction import atomic", "import django.db.transaction"),
        ("record(actor=user, action='x', obj=organisation)", "record"),
        ("audit.record(actor=user, action='x', obj=organisation)", "audit.record"),
        ("send_sms.enqueue(to='+33600000000')", "send_sms.enqueue"),
        ("cache.set('key', 1)", "cache.set"),
        ("cache.delete('key')", "cache.delete"),
        ("cache.delete_many(['a', 'b'])", "cache.delete_many"),
        ("caches['default'].clear()", "caches['default'].clear"),
    ],
)
def test_a_write_planted_in_a_page_is_flagged(source: str, what: str) -> None:
    assert what in flagged(source)


@pytest.mark.parametrize(
    "source",
    [
        "context.update({'rows': rows})",
        "self.fields['iban'].widget.attrs.update({'autocomplete': 'off'})",
        "seen = set()\nseen.update(items)",
        "data = {**form.cleaned_data}",
        "year = school_year_save(year=form.save(commit=False), actor=request.user)",
        "instance = form.save(commit=False)",
        "messages.success(request, 'Enregistré.')",
        "messages.error(request, str(error))",
        "request.session['bulk_entry'] = lines",
        "request.session.pop('bulk_entry', None)",
        "request.session.save()",
        "login(request, user)",
        "logout(request)",
        "response['Content-Disposition'] = 'attachment'",
        "response.set_cookie('x', '1')\nresponse.delete_cookie('y')",
        "cache.get('key')",
        "record = public_record(organisation, url)",
        "organisation.suspend(actor=request.user, reason=reason)",  # a domain transition
        "Organisation.objects.filter(pk=1).first()",
        "form.add_error('file', error.message)",
    ],
)
def test_what_a_page_legitimately_does_is_not_flagged(source: str) -> None:
    assert flagged(source) == []


def test_a_finding_names_its_function_so_that_the_allowlist_survives_moved_lines() -> None:
    (finding,) = checker.check_source(
        "def profile(request):\n    with transaction.atomic():\n        pass\n",
        "passplus/www/partner/account.py",
    )
    assert finding.key == ("passplus/www/partner/account.py", "profile", "transaction.atomic")
    assert finding.line == 2


def test_an_allowed_write_passes_and_an_entry_that_matches_nothing_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checker, "ROOT", tmp_path)
    www = tmp_path / "passplus" / "www"
    www.mkdir(parents=True)
    (www / "views.py").write_text("def view(request, obj):\n    obj.save()\n    obj.delete()\n")
    allowed = {
        ("passplus/www/views.py", "view", "obj.save"): "why",
        ("passplus/www/views.py", "gone", "obj.save"): "why",
    }

    findings, stale = checker.check_tree(www, allowed)

    assert [finding.what for finding in findings] == ["obj.delete"]
    assert stale == [("passplus/www/views.py", "gone", "obj.save")]


def test_every_allowlist_entry_says_why(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    silent = ("passplus/www/views.py", "view", "obj.save")
    temporary = ("passplus/www/views.py", "view", "obj.delete")
    explained = ("passplus/www/views.py", "view", "cache.set")
    allowed = {silent: "  ", temporary: "TEMPORARY until the service exists", explained: "why"}
    assert checker.unexplained(allowed) == [silent, temporary]
    assert checker.unexplained(checker.ALLOWED) == []

    # The script itself refuses an entry without its reason, even one that matches a write.
    monkeypatch.setattr(checker, "check_tree", lambda: ([], []))
    monkeypatch.setattr(checker, "ALLOWED", {silent: ""})
    assert checker.main() == 1
    assert "allowlist entry without its reason" in capsys.readouterr().out


def test_the_real_pages_write_nothing_but_what_is_allowed() -> None:
    findings, stale = checker.check_tree()
    assert [str(finding) for finding in findings] == []
    assert stale == []


def test_the_script_fails_on_a_planted_write_and_passes_on_the_real_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    completed = subprocess.run(
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert completed.returncode == 0, completed.stdout

    www = tmp_path / "passplus" / "www"
    www.mkdir(parents=True)
    (www / "views.py").write_text("def view(request):\n    record(actor=None)\n")
    monkeypatch.setattr(checker, "ROOT", tmp_path)
    monkeypatch.setattr(checker, "WWW", www)
    monkeypatch.setattr(checker, "ALLOWED", {})
    assert checker.main() == 1
    assert "passplus/www/views.py:2: journal written from a page" in capsys.readouterr().out
