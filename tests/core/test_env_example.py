""".env.example lists every setting the code reads from the environment, and only those (issue 30
§4): the syntax tree of `passplus/` and `gunicorn.conf.py` is read for `env_str/env_int/env_bool/
env_list(...)`, `os.environ.get(...)`, `os.environ[...]`, `os.getenv(...)` and `... in os.environ`,
and the name each reads is resolved: a string, a module constant, a name imported from another
module, or an f-string over a module-level dict's keys (`PASSPLUS_SCHEDULE_<JOB>` over
`settings._SCHEDULE_DEFAULTS`). A read whose name cannot be resolved fails the test, so a setting
cannot hide behind an expression."""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from passplus.scheduling.jobs import JOBS
from tests.helpers.paths import ROOT

SOURCES = [*sorted((ROOT / "passplus").rglob("*.py")), ROOT / "gunicorn.conf.py"]
ENV_HELPERS = {"env_str", "env_int", "env_bool", "env_list"}
# Variables the code reads that are not Pass+ settings, each with why it is not in .env.example.
NOT_SETTINGS = {
    "DJANGO_SETTINGS_MODULE": "manage.py and wsgi.py set it to passplus.settings themselves",
    "RUN_MAIN": "set by Django's autoreloader for its child process (`manage.py worker --reload`)",
}
# `NAME=value` or, for an optional alternative, `# NAME=value`.
DOCUMENTED = re.compile(r"^#?\s?([A-Z][A-Z0-9_]*)=", re.MULTILINE)


class Unresolved(Exception):
    pass


def module_strings(tree: ast.Module) -> dict[str, str]:
    """Module-level `NAME = "string"` constants."""
    return {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def module_dict_keys(tree: ast.Module) -> dict[str, list[str]]:
    """Module-level `NAME = {"key": ..., ...}` dict literals and their string keys."""
    return {
        target.id: [key.value for key in node.value.keys if isinstance(key, ast.Constant)]
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def imported_from(tree: ast.Module) -> dict[str, str]:
    return {
        alias.asname or alias.name: node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }


def is_os_environ(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def reads_environment(function: ast.expr) -> bool:
    """`env_str(...)` and its siblings, `os.environ.get(...)`, `os.environ.setdefault(...)`,
    `os.getenv(...)`."""
    if isinstance(function, ast.Name):
        return function.id in ENV_HELPERS
    if not isinstance(function, ast.Attribute):
        return False
    if is_os_environ(function.value):
        return function.attr in {"get", "setdefault"}
    return (
        function.attr == "getenv"
        and isinstance(function.value, ast.Name)
        and function.value.id == "os"
    )


def read_name_nodes(tree: ast.Module) -> Iterator[ast.expr]:
    """The expression naming the variable of every read of the environment (the env_* helpers'
    own bodies, which read the name they are given, are their callers' reads)."""
    helpers = {
        id(child)
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name in ENV_HELPERS
        for child in ast.walk(node)
    }
    for node in ast.walk(tree):
        if id(node) in helpers:
            continue
        if isinstance(node, ast.Call) and node.args and reads_environment(node.func):
            yield node.args[0]
        elif isinstance(node, ast.Subscript) and is_os_environ(node.value):
            yield node.slice
        elif (
            isinstance(node, ast.Compare)
            and isinstance(node.ops[0], ast.In | ast.NotIn)
            and is_os_environ(node.comparators[0])
        ):
            yield node.left


def comprehension_keys(tree: ast.Module, expression: ast.expr) -> tuple[str, list[str]]:
    """For an f-string inside `{... for job, ... in DICT.items()}` (or `for job in DICT`): the loop
    variable and the keys of the module-level dict it walks."""
    dicts = module_dict_keys(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.DictComp | ast.ListComp | ast.SetComp | ast.GeneratorExp):
            continue
        if not any(child is expression for child in ast.walk(node)):
            continue
        for generator in node.generators:
            iterable = generator.iter
            if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute):
                iterable = iterable.func.value
            target = generator.target
            if isinstance(target, ast.Tuple):
                target = target.elts[0]
            if isinstance(iterable, ast.Name) and iterable.id in dicts:
                assert isinstance(target, ast.Name)
                return target.id, dicts[iterable.id]
    raise Unresolved(ast.unparse(expression))


def expand_fstring(tree: ast.Module, node: ast.JoinedStr) -> list[str]:
    variable, keys = comprehension_keys(tree, node)
    names = []
    for key in keys:
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
                continue
            assert isinstance(value, ast.FormattedValue)
            code = ast.unparse(value.value)
            if code == variable:
                parts.append(key)
            elif code == f"{variable}.upper()":
                parts.append(key.upper())
            else:
                raise Unresolved(ast.unparse(node))
        names.append("".join(parts))
    return names


def resolve(tree: ast.Module, node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Name):
        constants = module_strings(tree)
        if node.id in constants:
            return [constants[node.id]]
        source = imported_from(tree).get(node.id)
        if source is not None:
            return [str(getattr(importlib.import_module(source), node.id))]
    if isinstance(node, ast.JoinedStr):
        return expand_fstring(tree, node)
    raise Unresolved(ast.unparse(node))


def names_read(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in read_name_nodes(tree):
        try:
            names.update(resolve(tree, node))
        except Unresolved as error:
            raise AssertionError(
                f"{path.relative_to(ROOT)}:{node.lineno}: the variable read from the environment "
                f"({error}) cannot be resolved; read it by a string or a module constant"
            ) from None
    return names


def settings_read() -> set[str]:
    return set().union(*(names_read(path) for path in SOURCES)) - NOT_SETTINGS.keys()


def settings_documented() -> set[str]:
    return set(DOCUMENTED.findall((ROOT / ".env.example").read_text()))


def test_every_setting_the_code_reads_is_in_env_example() -> None:
    assert settings_read() - settings_documented() == set()


def test_env_example_lists_no_setting_the_code_does_not_read() -> None:
    assert settings_documented() - settings_read() == set()


def test_the_walk_finds_the_schedules_of_every_job_and_the_other_modules_reads() -> None:
    read = settings_read()
    assert {f"PASSPLUS_SCHEDULE_{job.name.upper()}" for job in JOBS} <= read
    assert len(JOBS) == 10
    # Outside settings.py: the metrics' directory (passplus/core/metrics.py, gunicorn.conf.py).
    assert "PROMETHEUS_MULTIPROC_DIR" in read
    assert {"SECRET_KEY", "LOG_FORMAT", "STATIC_ROOT"} <= read


def test_an_unresolvable_read_is_reported_rather_than_skipped() -> None:
    tree = ast.parse("import os\nNAME = 'A_' + 'B'\nos.environ.get(NAME)\n")
    (node,) = read_name_nodes(tree)
    with pytest.raises(Unresolved, match="NAME"):
        resolve(tree, node)


def test_each_setting_is_listed_once() -> None:
    listed = DOCUMENTED.findall((ROOT / ".env.example").read_text())
    assert sorted(name for name in set(listed) if listed.count(name) > 1) == []
