""".env.example, copied to /etc/passplus.env, is read two ways (issue 31): by a shell, as the
runbook does (`set -a; . /etc/passplus.env; set +a`, docs/operations.md), and by systemd
(`EnvironmentFile=`, docs/deployment.md). Both must see every variable, with the same value.

They differ where an unquoted file goes wrong: for `sh`, `NAME=Pass+ <x@y>` is a redirection
(a syntax error) and `NAME=two words` runs the command `words`, setting nothing; for systemd, a
trailing `# comment` on a value line is part of the value (`DEBUG=False  # booleans` makes
DEBUG `False  # booleans`, which the settings refuse). Hence: values in double quotes, comments
on their own lines. systemd's rules are re-implemented below (`systemd_environment`), after
`parse_env_file_internal` in systemd's src/basic/env-file.c: python-dotenv, the usual parser, is
not a dependency and does not follow systemd on comments."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.paths import ROOT

ENV_EXAMPLE = ROOT / ".env.example"
# A line that sets a variable (the commented alternatives, `# NAME=...`, set nothing).
ASSIGNMENT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)=", re.MULTILINE)
# Prints the environment as JSON, from the shell that sourced the file.
DUMP = "import json, os; print(json.dumps(dict(os.environ)))"
SHELL_ESCAPABLE = '"\\`$'
WHITESPACE = " \t"


def shell_environment(path: Path) -> dict[str, str]:
    """The variables `sh` exports after `set -a; . <path>; set +a`, from an empty environment
    (`-e`: the first failing line stops it; anything on standard error fails too)."""
    script = 'set -a; . "$1"; set +a; exec "$2" -c "$3"'
    completed = subprocess.run(
        ["/bin/sh", "-ec", script, "sh", str(path), sys.executable, DUMP],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert (completed.returncode, completed.stderr) == (0, ""), completed.stderr
    environment: dict[str, str] = json.loads(completed.stdout)
    return environment


def systemd_environment(text: str) -> dict[str, str]:
    """The variables systemd's `EnvironmentFile=` reads from `text`: `#` or `;` starts a comment
    only at the start of a line; a value is unquoted (trailing whitespace trimmed, a `#` kept),
    single-quoted (literal) or double-quoted (backslash escapes only `"`, `\\`, `` ` ``, `$`);
    a backslash before a newline continues the line; no `$` expansion."""
    variables: dict[str, str] = {}
    lines = iter(text.replace("\\\n", "\x00").split("\n"))
    for raw in lines:
        line = raw.replace("\x00", "")
        stripped = line.lstrip(WHITESPACE + "\r")
        if not stripped or stripped[0] in "#;" or "=" not in stripped:
            continue
        key, value = stripped.split("=", 1)
        key = key.rstrip(WHITESPACE)
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            continue
        variables[key] = systemd_value(value.lstrip(WHITESPACE))
    return variables


def systemd_value(text: str) -> str:
    """One value after `=`: quoted parts joined to unquoted ones, as systemd reads them."""
    value: list[str] = []
    trailing = 0  # unquoted whitespace at the end, trimmed
    index = 0
    while index < len(text):
        char = text[index]
        if char in "'\"":
            end = index + 1
            while end < len(text) and text[end] != char:
                if char == '"' and text[end] == "\\" and end + 1 < len(text):
                    escaped = text[end + 1]
                    value.extend(escaped if escaped in SHELL_ESCAPABLE else "\\" + escaped)
                    end += 2
                    continue
                value.append(text[end])
                end += 1
            index, trailing = end + 1, 0
            continue
        if char == "\\" and index + 1 < len(text):
            value.append(text[index + 1])
            index, trailing = index + 2, 0
            continue
        value.append(char)
        trailing = trailing + 1 if char in WHITESPACE + "\r" else 0
        index += 1
    return "".join(value[: len(value) - trailing])


def assigned_names(text: str) -> list[str]:
    return ASSIGNMENT.findall(text)


def test_a_shell_sources_env_example_and_sets_every_variable_it_assigns() -> None:
    names = assigned_names(ENV_EXAMPLE.read_text())
    assert len(names) > 90  # the walk found the file's settings
    exported = shell_environment(ENV_EXAMPLE)
    assert sorted(set(names) - exported.keys()) == []
    assert exported["DEFAULT_FROM_EMAIL"] == "Pass+ <ne-pas-repondre@pass.example.fr>"
    assert exported["PASSPLUS_SCHEDULE_PAYMENT_RUNS"] == "5 0 1,16 * *"
    assert exported["PASSPLUS_HOST_NAME"] == "Direction des systèmes d'information du Département"


def test_systemd_reads_the_same_values_as_the_shell() -> None:
    text = ENV_EXAMPLE.read_text()
    exported = shell_environment(ENV_EXAMPLE)
    read_by_systemd = systemd_environment(text)
    assert sorted(read_by_systemd) == sorted(set(assigned_names(text)))
    assert {name: exported[name] for name in read_by_systemd} == read_by_systemd
    assert read_by_systemd["DEBUG"] == "False"


def test_the_systemd_reader_keeps_a_trailing_comment_and_strips_quotes() -> None:
    text = (
        "# a comment\n; another\nDEBUG=False   # booleans\n"
        'A="Pass+ <x@y>"\nB=\'d\'"\'"\'information\'\nC="a \\"b\\" \\n"\n  D = two words  \n'
        'E="split \\\nline"\n'
    )
    assert systemd_environment(text) == {
        "DEBUG": "False   # booleans",
        "A": "Pass+ <x@y>",
        "B": "d'information",
        "C": 'a "b" \\n',
        "D": "two words",
        "E": "split line",
    }


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("DEFAULT_FROM_EMAIL=Pass+ <ne-pas-repondre@pass.example.fr>\n", "Syntax error"),
        ("PASSPLUS_SCHEME_NAME=Pass+ Hauts-de-Seine\n", "Hauts-de-Seine"),
        ("PASSPLUS_HOST_NAME=Direction des systèmes d'information du 92\n", "Unterminated"),
    ],
)
def test_the_shell_check_fails_on_an_unquoted_value(tmp_path: Path, line: str, error: str) -> None:
    broken = tmp_path / "broken.env"
    broken.write_text(line)
    with pytest.raises(AssertionError) as refused:
        shell_environment(broken)
    assert error.lower() in str(refused.value).lower()


def test_the_agreement_check_fails_on_a_comment_after_a_value(tmp_path: Path) -> None:
    commented = tmp_path / "commented.env"
    commented.write_text('DEBUG="False"   # booleans\n')
    assert shell_environment(commented)["DEBUG"] == "False"
    assert systemd_environment(commented.read_text())["DEBUG"] == "False   # booleans"
