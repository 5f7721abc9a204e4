#!/usr/bin/env python3
"""Known vulnerabilities in the pinned dependencies (`make audit`, run by `.ci/run`).

Runs `pip-audit` on requirements.lock and `npm audit` on package-lock.json, reads their JSON and
decides:

- a vulnerability that a published release fixes fails the audit (exit 1): upgrade the pin
  (docs/dependencies.md);
- a vulnerability without a fixed release is a warning: nothing to upgrade to, it is listed so
  that someone judges whether Pass+ is exposed;
- when the advisories cannot be had (no network, a name that does not resolve, a time-out, an
  index or registry mirror that does not serve the advisory endpoint), the audit says so in a
  warning and passes: CI may run where the advisory services are out of reach. A package index
  that answers "not found" for every pinned package counts as such (pip-audit itself would
  report "No known vulnerabilities found");
- any other failure of a tool fails the audit, with what the tool said.

The reading is pure (`pip_audit_result`, `npm_audit_result`: a tool's exit status and output in,
findings out; `decide`: findings in, verdict out), so the tests replay recorded answers.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 600  # seconds for each tool: pip-audit asks PyPI once per pinned package

# What a tool prints when it could not reach the advisory service.
PIP_AUDIT_NETWORK = re.compile(
    r"requests\.exceptions\.(ConnectionError|ConnectTimeout|ReadTimeout|Timeout|ProxyError|SSLError)"
    r"|NameResolutionError|Max retries exceeded|Temporary failure in name resolution"
    r"|Could not connect to PyPI|your network may be blocking this service"
)
NPM_NETWORK_CODES = {"ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT"}
NPM_NETWORK = re.compile(
    r"request to \S+ failed|E(NOTFOUND|AI_AGAIN|CONNREFUSED|CONNRESET|TIMEDOUT)"
)
PYPI_NOT_FOUND = "Dependency not found on PyPI"

Runner = Callable[[Sequence[str]], subprocess.CompletedProcess[str]]


@dataclass(frozen=True)
class Finding:
    """One known vulnerability of one pinned package."""

    package: str
    affected: str  # the pinned version (Python) or the vulnerable range (npm)
    advisory: str
    fix: str  # how to fix it; empty when no release fixes it

    @property
    def blocking(self) -> bool:
        return bool(self.fix)


@dataclass(frozen=True)
class AuditResult:
    """What one tool told about one lock file."""

    source: str  # "Python (requirements.lock)", "npm (package-lock.json)"
    findings: tuple[Finding, ...] = ()
    warnings: tuple[str, ...] = ()
    unreachable: str = ""  # why the advisories could not be had
    error: str = ""  # the tool failed for another reason


@dataclass(frozen=True)
class Verdict:
    passed: bool
    blocking: tuple[Finding, ...]
    errors: tuple[str, ...]

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1


def _last_line(text: str, pattern: re.Pattern[str] | None = None) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if pattern is not None:
        lines = [line for line in lines if pattern.search(line)] or lines
    return lines[-1][:400] if lines else ""


def pip_audit_findings(source: str, report: dict[str, Any]) -> AuditResult:
    """Read `pip-audit --format json`: one finding per vulnerability of each pinned package."""
    findings = []
    skipped = []
    for dependency in report["dependencies"]:
        if "skip_reason" in dependency:
            skipped.append(dependency)
            continue
        for vuln in dependency["vulns"]:
            aliases = vuln.get("aliases") or []
            advisory = vuln["id"] + (f" ({', '.join(aliases)})" if aliases else "")
            fix = ", ".join(vuln["fix_versions"])
            findings.append(Finding(dependency["name"], dependency["version"], advisory, fix))
    not_found = [dep for dep in skipped if dep["skip_reason"].startswith(PYPI_NOT_FOUND)]
    if skipped and len(not_found) == len(report["dependencies"]):
        return AuditResult(
            source,
            unreachable=(
                f"l'index répond « Dependency not found on PyPI » pour les {len(not_found)} "
                "paquets du verrou : l'API JSON de PyPI, qui publie les avis, n'est pas atteinte "
                "(l'index joint est sans doute un miroir)"
            ),
        )
    warnings = tuple(f"{dep['name']} non audité : {dep['skip_reason']}" for dep in skipped)
    return AuditResult(source, tuple(findings), warnings)


def pip_audit_result(source: str, returncode: int, stdout: str, stderr: str) -> AuditResult:
    """pip-audit exits 1 both on vulnerabilities (its JSON on stdout) and on failures."""
    try:
        report = json.loads(stdout)
    except ValueError:
        report = None
    if isinstance(report, dict) and "dependencies" in report:
        return pip_audit_findings(source, report)
    if PIP_AUDIT_NETWORK.search(stderr):
        return AuditResult(source, unreachable=_last_line(stderr, PIP_AUDIT_NETWORK))
    return AuditResult(source, error=f"pip-audit (code {returncode}) : {_last_line(stderr)}")


def npm_audit_findings(source: str, report: dict[str, Any]) -> AuditResult:
    """Read `npm audit --json` (npm 7 and later): one finding per vulnerable package.

    A package vulnerable only through a dependency ("via" names it) is listed too: the fix
    npm proposes may be an upgrade of that package.
    """
    findings = []
    for name, vuln in sorted(report["vulnerabilities"].items()):
        advisories = [
            f"{via.get('url') or via.get('source')} {via.get('title', '')}".strip()
            if isinstance(via, dict)
            else f"par {via}"
            for via in vuln["via"]
        ]
        fix_available = vuln["fixAvailable"]
        if fix_available is True:
            fix = "npm audit fix"
        elif isinstance(fix_available, dict):
            major = " (version majeure)" if fix_available.get("isSemVerMajor") else ""
            fix = f"{fix_available['name']} {fix_available['version']}{major}"
        else:
            fix = ""
        severity = vuln.get("severity", "?")
        advisory = f"[{severity}] " + " ; ".join(advisories)
        findings.append(Finding(name, vuln.get("range", "?"), advisory, fix))
    return AuditResult(source, tuple(findings))


def npm_audit_result(source: str, returncode: int, stdout: str, stderr: str) -> AuditResult:
    """npm audit exits 1 both on vulnerabilities and on failures, with JSON on stdout for both."""
    try:
        report = json.loads(stdout)
    except ValueError:
        report = None
    if isinstance(report, dict) and "vulnerabilities" in report:
        return npm_audit_findings(source, report)
    details = report if isinstance(report, dict) else {}
    error = details.get("error") if isinstance(details.get("error"), dict) else {}
    message = str(details.get("message") or error.get("summary") or _last_line(stderr))
    code = str(details.get("code") or error.get("code") or "")
    # An HTTP answer of the advisory endpoint that is not a report (a registry mirror refusing
    # it, an outage) counts as unreachable, like a network failure.
    if code in NPM_NETWORK_CODES or NPM_NETWORK.search(message) or "statusCode" in details:
        return AuditResult(source, unreachable=message)
    return AuditResult(source, error=f"npm audit (code {returncode}) : {message}")


def decide(results: Sequence[AuditResult]) -> Verdict:
    """Fail on a vulnerability that a release fixes, or on a tool's failure; pass otherwise."""
    findings = [finding for result in results for finding in result.findings]
    blocking = tuple(finding for finding in findings if finding.blocking)
    errors = tuple(result.error for result in results if result.error)
    return Verdict(passed=not blocking and not errors, blocking=blocking, errors=errors)


def report_lines(results: Sequence[AuditResult], verdict: Verdict) -> list[str]:
    """The French report printed by `make audit`."""
    lines = []
    for result in results:
        lines.append(f"== Dépendances {result.source}")
        if result.unreachable:
            lines.append(
                "ATTENTION : le service des avis de sécurité n'a pas pu être joint depuis cette "
                f"machine, ces dépendances n'ont pas été auditées. Cause : {result.unreachable}"
            )
        if result.error:
            lines.append(f"ERREUR : {result.error}")
        for finding in result.findings:
            where = f"{finding.package} {finding.affected} — {finding.advisory}"
            if finding.blocking:
                lines.append(f"VULNÉRABILITÉ : {where} ; corrigée par : {finding.fix}")
            else:
                lines.append(f"ATTENTION : {where} ; aucune version corrigée publiée")
        lines.extend(f"ATTENTION : {warning}" for warning in result.warnings)
        if not (result.unreachable or result.error or result.findings):
            lines.append("Aucune vulnérabilité connue.")
    if not verdict.passed:
        count = len(verdict.blocking)
        why = f"{count} vulnérabilité(s) corrigée(s) par une version publiée" if count else ""
        if verdict.errors:
            why = " et ".join(filter(None, [why, "un outil d'audit a échoué"]))
        lines.append(f"Audit : ÉCHEC ({why}), voir docs/dependencies.md.")
    elif any(result.unreachable for result in results):
        lines.append(
            "Audit : réussi, mais incomplet (avis de sécurité injoignables, voir plus haut)."
        )
    else:
        lines.append("Audit : réussi.")
    return lines


def run_command(command: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own fixed command lines)
        list(command), cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


def audit_python(lock: Path, runner: Runner) -> AuditResult:
    source = f"Python ({lock.name}, pip-audit)"
    # The lock pins every package: --no-deps and --disable-pip audit exactly those pins,
    # without building a virtualenv to resolve them again.
    command = [sys.executable, "-m", "pip_audit", "-r", str(lock), "--format", "json"]
    command += ["--progress-spinner", "off", "--disable-pip", "--no-deps"]
    try:
        completed = runner(command)
    except subprocess.TimeoutExpired:
        return AuditResult(source, unreachable=f"pas de réponse en {TIMEOUT} s")
    return pip_audit_result(source, completed.returncode, completed.stdout, completed.stderr)


def audit_npm(runner: Runner) -> AuditResult:
    source = "npm (package-lock.json, npm audit)"
    try:
        completed = runner(["npm", "audit", "--json"])
    except FileNotFoundError:
        return AuditResult(source, unreachable="npm n'est pas installé sur cette machine")
    except subprocess.TimeoutExpired:
        return AuditResult(source, unreachable=f"pas de réponse en {TIMEOUT} s")
    return npm_audit_result(source, completed.returncode, completed.stdout, completed.stderr)


def main(argv: Sequence[str] | None = None, runner: Runner = run_command) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lock", type=Path, default=ROOT / "requirements.lock")
    arguments = parser.parse_args(argv)
    results = [audit_python(arguments.lock.resolve(), runner), audit_npm(runner)]
    verdict = decide(results)
    print("\n".join(report_lines(results, verdict)))
    return verdict.exit_code


if __name__ == "__main__":
    sys.exit(main())
