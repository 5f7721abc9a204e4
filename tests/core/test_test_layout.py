"""The tests are laid out like the code (issue 21): each test module sits in the folder of the
app or space it tests, shared code lives in tests/helpers/, and no test module imports another
(a helper hidden in a test module is found by nobody)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers.paths import ROOT

TESTS = ROOT / "tests"
APPS = {path.name for path in (ROOT / "passplus").iterdir() if (path / "apps.py").exists()}
SPACES = {
    path.name for path in (ROOT / "passplus" / "www").iterdir() if (path / "__init__.py").exists()
}


def all_test_modules() -> list[Path]:
    return sorted(TESTS.rglob("test_*.py"))


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    return modules


def test_no_test_module_imports_another() -> None:
    offenders = {
        f"{path.relative_to(ROOT)} imports {module}"
        for path in all_test_modules()
        for module in imported_modules(path)
        if module.startswith("tests.") and module.rsplit(".", 1)[-1].startswith("test_")
    }
    assert offenders == set()


def test_each_test_module_sits_in_the_folder_of_an_app_a_space_or_the_browser() -> None:
    misplaced = []
    for path in all_test_modules():
        folder = path.parent.relative_to(TESTS).parts
        if folder in {("browser",), ("www",)} or (len(folder) == 1 and folder[0] in APPS):
            continue
        if len(folder) == 2 and folder[0] == "www" and folder[1] in SPACES:
            continue
        # A package of an app (passplus/organisations/switch_over/): its own folder.
        if len(folder) == 2 and folder[0] in APPS and (ROOT / "passplus" / Path(*folder)).is_dir():
            continue
        misplaced.append(str(path.relative_to(ROOT)))
    assert misplaced == []
    assert len(all_test_modules()) > 90  # the walk did find the suite


def test_the_helpers_hold_no_test() -> None:
    assert list((TESTS / "helpers").glob("test_*.py")) == []
