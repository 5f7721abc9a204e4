"""The vendored front-end files (static/vendor/, issue 23) are the files of the npm packages that
package-lock.json pins: static/vendor/vendored.toml names each one's package and path inside it,
and each is compared, by SHA-256, with that file as `npm ci` installs it in node_modules/."""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path

import pytest

from tests.helpers.paths import ROOT
from tests.helpers.skips import missing_tool

VENDOR = ROOT / "static" / "vendor"
NODE_MODULES = ROOT / "node_modules"
NOT_VENDORED = {"README.md", "vendored.toml"}  # what static/vendor/ says about itself


def sources() -> dict[str, tuple[str, str]]:
    """Each vendored file (path under static/vendor/) → (npm package, path inside it)."""
    manifest = tomllib.loads((VENDOR / "vendored.toml").read_text())
    return {
        f"{folder}/{name}": (table["package"], inside)
        for folder, table in manifest.items()
        for name, inside in table["files"].items()
    }


def packages() -> list[str]:
    return sorted({package for package, _ in sources().values()})


def locked_version(package: str) -> str:
    lock = json.loads((ROOT / "package-lock.json").read_text())
    version: str = lock["packages"][f"node_modules/{package}"]["version"]
    return version


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def require_node_modules() -> None:
    if not NODE_MODULES.is_dir():
        pytest.skip(missing_tool("npm", f"{NODE_MODULES} absent (npm ci, or make test)"))


def test_every_vendored_file_has_a_known_source_and_every_source_is_vendored() -> None:
    on_disk = {
        path.relative_to(VENDOR).as_posix() for path in VENDOR.rglob("*") if path.is_file()
    } - NOT_VENDORED
    assert sorted(on_disk - sources().keys()) == []  # no package named in vendored.toml
    assert sorted(sources().keys() - on_disk) == []  # named, but not vendored
    assert "qr-scanner/qr-scanner.umd.min.js" in on_disk  # the walk did find the files


@pytest.mark.parametrize("package", packages())
def test_package_json_pins_the_version_the_lock_holds(package: str) -> None:
    declared = json.loads((ROOT / "package.json").read_text())
    pinned = {**declared.get("dependencies", {}), **declared.get("devDependencies", {})}
    assert pinned[package] == locked_version(package)  # an exact version, not a range


@pytest.mark.parametrize("package", packages())
def test_node_modules_holds_the_locked_version(package: str) -> None:
    require_node_modules()
    installed = json.loads((NODE_MODULES / package / "package.json").read_text())
    assert installed["version"] == locked_version(package), "node_modules is stale: make node"


@pytest.mark.parametrize("vendored", sorted(sources()))
def test_each_vendored_file_is_the_file_of_its_pinned_package(vendored: str) -> None:
    require_node_modules()
    package, inside = sources()[vendored]
    assert sha256(VENDOR / vendored) == sha256(NODE_MODULES / package / inside), (
        f"static/vendor/{vendored} differs from {package} {locked_version(package)}'s {inside}: "
        "copy it again (static/vendor/README.md)"
    )
