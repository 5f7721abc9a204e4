"""The `make quality` check that every test can fail (scripts/check_test_assertions.py): a test
whose assertions all sit in a loop or a condition, or that asserts nothing, is reported; one
that asserts on every run is not; the allowlist names real tests, each with its reason."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from tests.helpers.paths import ROOT

SCRIPT = ROOT / "scripts" / "check_test_assertions.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_test_assertions", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


checker = _load()


def reported(source: str) -> dict[str, str]:
    """{test name: message} for each test of `source` the check reports."""
    findings = checker.check_source(textwrap.dedent(source))
    return {finding.test: finding.message for finding in findings}


@pytest.mark.parametrize(
    "source",
    [
        "def test_x(rows):\n    for row in rows:\n        assert row.ok",
        "def test_x(rows):\n    while rows:\n        assert rows.pop()",
        "def test_x(page):\n    if page:\n        assert page.ok",
        "def test_x(page):\n    if page:\n        assert page.ok\n    else:\n        print(page)",
        "def test_x(f):\n    try:\n        f()\n    except ValueError:\n        assert False",
        "def test_x(rows):\n    for row in rows:\n        with pytest.raises(ValueError):\n"
        "            row.check()",
        "def test_x(page):\n    def check():\n        assert page.ok\n    print(check)",
        "def test_x(rows):\n    for _ in range(N):\n        assert rows",  # N unknown
        "def test_x(rows):\n    match rows:\n        case []:\n            assert True",
    ],
)
def test_a_test_whose_assertions_are_all_in_a_loop_or_a_condition_is_reported(
    source: str,
) -> None:
    assert reported(source) == {
        "test_x": "every assertion is inside a loop or a condition (it may never run)"
    }


@pytest.mark.parametrize(
    "source",
    [
        "def test_x(f):\n    f()",
        "def test_x(rows):\n    total = sum(rows)\n    print(total)",
        "def test_x():\n    check = lambda row: row\n    check(1)",
    ],
)
def test_a_test_that_asserts_nothing_is_reported(source: str) -> None:
    assert reported(source) == {"test_x": "asserts nothing"}


@pytest.mark.parametrize(
    "source",
    [
        "def test_x(rows):\n    for row in rows:\n        print(row)\n    assert rows",
        "def test_x(f):\n    with pytest.raises(ValueError):\n        f()",
        "def test_x(f):\n    pytest.raises(ValueError, f)",
        "def test_x(a, b):\n    with assert_unchanged(a):\n        b()",
        "def test_x(checks):\n    checks.assert_clean()",
        "def test_x(sent):\n    sent.assert_called_once_with(1)",
        "def test_x(page):\n    expect(page.get_by_role('alert')).to_be_focused()",
        "def test_x(page):\n    if page:\n        assert page.ok\n    else:\n"
        "        assert not page",
        "def test_x(f):\n    try:\n        assert f()\n    finally:\n        print(f)",
        "def test_x(client):\n    for role in ('a', 'b'):\n        assert client.get(role)",
        "ROUNDS = 20\n\ndef test_x(f):\n    for _ in range(ROUNDS // 2):\n        assert f()",
        "def check(page):\n    assert page.ok\n\ndef test_x(page):\n    check(page)",
        "def check(page):\n    assert page.ok\n\ndef deeper(page):\n    check(page)\n\n"
        "def test_x(page):\n    deeper(page)",
        "def test_x(page):\n    def check():\n        assert page.ok\n    check()",
        "class TestThing:\n    def test_x(self):\n        assert self",
    ],
)
def test_a_test_that_asserts_on_every_run_is_not_reported(source: str) -> None:
    assert reported(source) == {}


def test_only_test_functions_are_read() -> None:
    source = "def helper(rows):\n    for row in rows:\n        assert row\n\nclass Other:\n"
    source += "    def test_x(self):\n        pass\n"
    assert reported(source) == {}


def test_an_allowed_test_passes_and_an_entry_that_matches_nothing_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checker, "ROOT", tmp_path)
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_sample.py").write_text(
        "def test_loop(rows):\n    for row in rows:\n        assert row\n\n"
        "def test_nothing(f):\n    f()\n\n"
        "def test_fine():\n    assert True\n"
    )
    allowed = {
        ("tests/test_sample.py", "test_loop"): "why",
        ("tests/test_sample.py", "test_fine"): "why",  # asserts: the entry is stale
        ("tests/test_sample.py", "test_gone"): "why",
    }

    findings, stale = checker.check_tree(tests, allowed)

    assert [str(finding) for finding in findings] == [
        "tests/test_sample.py:5: test_nothing: asserts nothing"
    ]
    assert stale == [("tests/test_sample.py", "test_fine"), ("tests/test_sample.py", "test_gone")]


def test_every_allowlist_entry_names_a_reported_test_and_says_why(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    silent = ("tests/test_sample.py", "test_loop")
    temporary = ("tests/test_sample.py", "test_nothing")
    allowed = {silent: " ", temporary: "TEMPORARY", ("tests/x.py", "test_y"): "why"}
    assert checker.unexplained(allowed) == [silent, temporary]
    assert checker.unexplained(checker.ALLOWED) == []
    _, stale = checker.check_tree()
    assert stale == []  # every entry names a test the check reports

    monkeypatch.setattr(checker, "check_tree", lambda: ([], []))
    monkeypatch.setattr(checker, "ALLOWED", {silent: ""})
    assert checker.main() == 1
    assert "allowlist entry without its reason" in capsys.readouterr().out


def test_the_real_tests_all_assert_on_every_run() -> None:
    findings, stale = checker.check_tree()

    assert [str(finding) for finding in findings] == []
    assert stale == []


def test_the_script_fails_on_a_test_that_may_assert_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    completed = subprocess.run(
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert completed.returncode == 0, completed.stdout

    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_sample.py").write_text(
        "def test_loop(rows):\n    for r in rows:\n        assert r\n"
    )
    monkeypatch.setattr(checker, "ROOT", tmp_path)
    monkeypatch.setattr(checker, "TESTS", tests)
    assert checker.main() == 1
    assert "tests/test_sample.py:1: test_loop: every assertion is inside a loop" in (
        capsys.readouterr().out
    )
