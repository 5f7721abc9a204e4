"""`make audit` (scripts/audit_dependencies.py, issue 23): a pinned version with an advisory that a
release fixes fails the audit, an advisory without a fix warns, and advisories that cannot be had
warn and pass, saying so. Replayed from the answers in tests/core/fixtures/audit/ (its README says
which were recorded on this machine and which were written in the tools' format): no network."""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator, Sequence
from types import ModuleType

import pytest

from tests.helpers.paths import ROOT

SCRIPT = ROOT / "scripts" / "audit_dependencies.py"
FIXTURES = ROOT / "tests" / "core" / "fixtures" / "audit"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit_dependencies", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


audit = _load()


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


def pip_answer(name: str, returncode: int = 0) -> tuple[int, str, str]:
    """A recorded pip-audit run: its JSON on stdout (a `.json`) or a failure on stderr."""
    if name.endswith(".json"):
        return returncode, fixture(name), ""
    return returncode, "", fixture(name)


def npm_answer(name: str, returncode: int = 1) -> tuple[int, str, str]:
    return returncode, fixture(name), ""


def pip_result(name: str, returncode: int = 0) -> object:
    return audit.pip_audit_result("Python", *pip_answer(name, returncode))


def npm_result(name: str, returncode: int = 1) -> object:
    return audit.npm_audit_result("npm", *npm_answer(name, returncode))


class RecordedTools:
    """Stands for pip-audit and npm audit: answers from fixtures, keeps the command lines."""

    def __init__(self, pip: tuple[int, str, str], npm: tuple[int, str, str] | None) -> None:
        self.pip, self.npm = pip, npm
        self.commands: list[list[str]] = []

    def __call__(self, command: Sequence[str]) -> subprocess.CompletedProcess[str]:
        self.commands.append(list(command))
        if "pip_audit" in command:
            answer = self.pip
        elif self.npm is None:
            raise FileNotFoundError("npm")
        else:
            answer = self.npm
        return subprocess.CompletedProcess(list(command), *answer)


def run_main(
    capsys: pytest.CaptureFixture[str],
    lock: str,
    pip: tuple[int, str, str],
    npm: tuple[int, str, str] | None,
) -> tuple[int, str, RecordedTools]:
    tools = RecordedTools(pip, npm)
    code = audit.main(["--lock", str(FIXTURES / lock)], runner=tools)
    return code, capsys.readouterr().out, tools


def pins(lock: str) -> set[str]:
    lines = fixture(lock).splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


@pytest.mark.parametrize(
    ("lock", "answer"),
    [
        ("vulnerable.lock", "pip-audit-vulnerable.json"),
        ("clean.lock", "pip-audit-clean.json"),
        ("no-fix.lock", "pip-audit-no-fix.json"),
    ],
)
def test_each_recorded_answer_is_for_the_pins_of_its_lock(lock: str, answer: str) -> None:
    dependencies = json.loads(fixture(answer))["dependencies"]
    assert {f"{dep['name']}=={dep['version']}" for dep in dependencies} == pins(lock)


def test_a_pinned_version_with_an_advisory_that_a_release_fixes_fails_the_audit() -> None:
    result = pip_result("pip-audit-vulnerable.json", returncode=1)
    assert [(f.package, f.affected, f.fix) for f in result.findings] == [
        ("requests", "2.19.0", "2.20.0"),
        ("requests", "2.19.0", "2.31.0"),
        ("requests", "2.19.0", "2.32.0"),
        ("requests", "2.19.0", "2.32.4"),
    ]
    assert result.findings[0].advisory == "PYSEC-2018-28 (CVE-2018-18074, GHSA-x84v-xcm2-53pg)"
    verdict = audit.decide([result])
    assert not verdict.passed
    assert verdict.exit_code == 1


def test_a_clean_answer_passes() -> None:
    result = pip_result("pip-audit-clean.json")
    assert result.findings == ()
    assert result.warnings == ()
    assert audit.decide([result]).exit_code == 0


def test_an_advisory_without_a_fix_is_a_warning_and_passes() -> None:
    result = pip_result("pip-audit-no-fix.json", returncode=1)
    (finding,) = result.findings
    assert (finding.package, finding.fix, finding.blocking) == ("ecdsa", "", False)
    assert audit.decide([result]).passed


def test_a_package_unknown_to_the_index_among_audited_ones_is_a_warning() -> None:
    report = json.loads(fixture("pip-audit-clean.json"))
    not_found = json.loads(fixture("pip-audit-not-found.json"))["dependencies"][0]
    report["dependencies"].append(not_found)
    result = audit.pip_audit_findings("Python", report)
    assert result.unreachable == ""
    assert result.warnings == (f"requests non audité : {not_found['skip_reason']}",)
    assert audit.decide([result]).passed


@pytest.mark.parametrize(
    ("answer", "cause"),
    [
        ("pip-audit-connection-refused.stderr", "ProxyError"),
        ("pip-audit-dns-failure.stderr", "NameResolutionError"),
        ("pip-audit-not-found.json", "Dependency not found on PyPI"),
    ],
)
def test_pip_audit_out_of_reach_of_the_advisories_warns_and_passes(answer: str, cause: str) -> None:
    result = pip_result(answer, returncode=0 if answer.endswith(".json") else 1)
    assert cause in result.unreachable
    assert (result.findings, result.error) == ((), "")
    assert audit.decide([result]).passed


def test_another_failure_of_pip_audit_fails_the_audit() -> None:
    stderr = "ERROR:pip_audit._cli:invalid requirements input: requirements.lock\n"
    result = audit.pip_audit_result("Python", 1, "", stderr)
    assert result.error == f"pip-audit (code 1) : {stderr.strip()}"
    assert not audit.decide([result]).passed


def test_npm_a_vulnerability_with_a_fix_available_fails_the_audit() -> None:
    result = npm_result("npm-audit-vulnerable.json")
    assert [(f.package, f.affected, f.fix) for f in result.findings] == [
        ("minimist", "<=0.2.3", "mkdirp 0.5.6"),
        ("mkdirp", "0.4.1 - 0.5.1", "mkdirp 0.5.6"),
    ]
    assert "GHSA-xvch-5gv4-984h" in result.findings[0].advisory
    assert result.findings[1].advisory == "[critical] par minimist"
    assert audit.decide([result]).exit_code == 1


def test_npm_a_fix_within_the_pinned_range_is_npm_audit_fix() -> None:
    report = json.loads(fixture("npm-audit-vulnerable.json"))
    report["vulnerabilities"]["minimist"]["fixAvailable"] = True
    result = audit.npm_audit_findings("npm", report)
    assert result.findings[0].fix == "npm audit fix"


def test_npm_a_clean_answer_passes() -> None:
    result = npm_result("npm-audit-clean.json", returncode=0)
    assert result.findings == ()
    assert audit.decide([result]).passed


def test_npm_a_vulnerability_without_a_fix_is_a_warning_and_passes() -> None:
    result = npm_result("npm-audit-no-fix.json")
    (finding,) = result.findings
    assert (finding.package, finding.blocking) == ("ip", False)
    assert audit.decide([result]).passed


@pytest.mark.parametrize(
    ("answer", "cause"),
    [
        ("npm-audit-405.json", "405 Method Not Allowed"),
        ("npm-audit-connection-refused.json", "ECONNREFUSED"),
    ],
)
def test_npm_out_of_reach_of_the_advisories_warns_and_passes(answer: str, cause: str) -> None:
    result = npm_result(answer)
    assert cause in result.unreachable
    assert audit.decide([result]).passed


def test_another_failure_of_npm_audit_fails_the_audit() -> None:
    stdout = json.dumps(
        {"error": {"code": "ENOLOCK", "summary": "This command requires an existing lockfile."}}
    )
    result = audit.npm_audit_result("npm", 1, stdout, "")
    assert result.error == "npm audit (code 1) : This command requires an existing lockfile."
    assert not audit.decide([result]).passed


def test_make_audit_fails_on_the_fixture_lock_and_says_what_to_upgrade(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, output, tools = run_main(
        capsys,
        "vulnerable.lock",
        pip_answer("pip-audit-vulnerable.json", returncode=1),
        npm_answer("npm-audit-clean.json", returncode=0),
    )
    assert code == 1
    pip_command, npm_command = tools.commands
    assert pip_command[pip_command.index("-r") + 1] == str(FIXTURES / "vulnerable.lock")
    assert {"--format", "json", "--disable-pip", "--no-deps"} <= set(pip_command)
    assert npm_command == ["npm", "audit", "--json"]
    assert "VULNÉRABILITÉ : requests 2.19.0 — PYSEC-2018-28" in output
    assert "corrigée par : 2.20.0" in output
    assert "Audit : ÉCHEC (4 vulnérabilité(s) corrigée(s) par une version publiée)" in output


def test_make_audit_warns_and_passes_when_no_advisory_service_answers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, output, _ = run_main(
        capsys,
        "vulnerable.lock",
        pip_answer("pip-audit-connection-refused.stderr", returncode=1),
        npm_answer("npm-audit-connection-refused.json"),
    )
    assert code == 0
    assert output.count("le service des avis de sécurité n'a pas pu être joint") == 2
    assert "Audit : réussi, mais incomplet" in output


def test_make_audit_warns_without_npm(capsys: pytest.CaptureFixture[str]) -> None:
    code, output, _ = run_main(capsys, "clean.lock", pip_answer("pip-audit-clean.json"), None)
    assert code == 0
    assert "npm n'est pas installé sur cette machine" in output


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port bound but not listening: connecting to it is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def test_the_real_tools_cut_from_the_network_warn_and_pass(closed_port: int) -> None:
    """pip-audit and npm audit themselves, sent to a closed loopback port (a proxy for PyPI, the
    registry for npm): nothing leaves the machine."""
    env = {k: v for k, v in os.environ.items() if k.lower() not in {"no_proxy", "all_proxy"}}
    env |= {
        "HTTPS_PROXY": f"http://127.0.0.1:{closed_port}",
        "https_proxy": f"http://127.0.0.1:{closed_port}",
        "npm_config_registry": f"http://127.0.0.1:{closed_port}/",
    }
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), "--lock", str(FIXTURES / "vulnerable.lock")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "Dépendances Python (vulnerable.lock, pip-audit)" in completed.stdout
    assert "n'a pas pu être joint depuis cette machine" in completed.stdout
    assert "Audit : réussi, mais incomplet" in completed.stdout
