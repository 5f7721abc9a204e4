"""The Nu HTML Checker (npm package `vnu-jar`, pinned in package.json; it needs Java 17 or
later), shared by the tests that check pages are valid HTML (RGAA 8.2)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers.paths import ROOT
from tests.helpers.skips import missing_tool

JAVA = shutil.which("java")
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

needs_the_checker = pytest.mark.skipif(
    not VNU.exists() or JAVA is None,
    reason=missing_tool(
        "java" if VNU.exists() else "npm",
        "Nu HTML Checker absent : lancer `make node` (npm) et installer Java 17 ou plus",
    ),
)


def validation_errors(pages: dict[str, bytes], folder: Path) -> list[str]:
    """ "url line: message" for every error the Nu HTML Checker finds in `pages`."""
    files: dict[str, str] = {}
    for number, (url, source) in enumerate(sorted(pages.items())):
        name = f"page{number}.html"
        (folder / name).write_bytes(source)
        files[name] = url
    result = subprocess.run(
        [str(JAVA), "-jar", str(VNU), "--errors-only", "--format", "json", "--stdout", *files],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr  # 1: errors found; anything else: broken
    errors = []
    for message in json.loads(result.stdout)["messages"]:
        page = files[Path(message["url"].removeprefix("file:")).name]
        errors.append(f"{page} {message.get('lastLine')}: {message['message']}")
    return errors
