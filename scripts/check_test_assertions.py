#!/usr/bin/env python3
"""Check that every test can fail: a test function whose every assertion sits inside a loop or a
condition proves nothing when the loop is empty or the condition false, and a test that asserts
nothing proves only that its code ran. Run by `make quality`.

Read on the syntax tree (`ast`) of tests/**/test_*.py. What counts as an assertion:

- an `assert` statement;
- a call of a name that starts with `assert` or `expect` (the helpers of tests/helpers, such as
  `assert_unchanged` or `checks.assert_clean()`; a mock's `assert_called_once_with`;
  Playwright's `expect(...)`), `pytest.raises(...)` and `pytest.warns(...)` (as a call or a
  `with`);
- a call of a function of the same module (or defined inside the test) that itself contains one
  of the above, anywhere in its body: a local helper is trusted to assert what its name says.

An assertion counts when it runs whenever the test runs: not inside a `for`/`while` loop (unless
it goes over a literal that cannot be empty: `for role in (A, B)`, `range(3)`), an `if` (unless
both branches assert), an `except`/`else` clause of a `try`, a `match` case, or a
function defined inside the test (a call of that function counts, where the call is).

Not seen (the rule reads syntax): an assertion reached only through a fixture or an imported
helper not named `assert…`/`expect…`; a loop over a variable that cannot be empty. ALLOWED lists the
exceptions, each with its reason; an entry that matches no test function, or that does not say
why, is an error too.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"

ASSERTING_PREFIXES = ("assert", "expect")
PYTEST_ASSERTIONS = {"raises", "warns"}
Function = ast.FunctionDef | ast.AsyncFunctionDef

# (file relative to the repository, test function) -> why it may assert only conditionally or
# not at all. An entry must say why.
ALLOWED: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    test: str
    message: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.path, self.test)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.test}: {self.message}"


def _called_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _is_assertion_call(call: ast.Call, helpers: set[str]) -> bool:
    name = _called_name(call)
    if name.startswith(ASSERTING_PREFIXES) or name in helpers:
        return True
    func = call.func
    return (
        name in PYTEST_ASSERTIONS
        and isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id == "pytest"
    )


def _contains_assertion(node: ast.AST, helpers: set[str]) -> bool:
    """Whether `node` holds an assertion anywhere (a helper's body, a branch)."""
    return any(
        isinstance(child, ast.Assert)
        or (isinstance(child, ast.Call) and _is_assertion_call(child, helpers))
        for child in ast.walk(node)
    )


def _asserting_helpers(functions: Iterable[Function]) -> set[str]:
    """The names among `functions` that assert, directly or through another of them."""
    functions = list(functions)
    helpers: set[str] = set()
    while True:
        found = {
            function.name
            for function in functions
            if function.name not in helpers and _contains_assertion(function, helpers)
        }
        if not found:
            return helpers
        helpers |= found


@dataclass(frozen=True)
class Known:
    """What a test's module tells about its calls and loops."""

    helpers: set[str]  # functions that assert
    constants: dict[str, int]  # module-level integers (`ROUNDS = 20`)


def _expression_asserts(node: ast.AST, known: Known) -> bool:
    """An assertion call in an expression, outside any lambda or comprehension."""
    if isinstance(node, ast.Lambda | ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
        return False
    if isinstance(node, ast.Call) and _is_assertion_call(node, known.helpers):
        return True
    return any(_expression_asserts(child, known) for child in ast.iter_child_nodes(node))


def _integer(node: ast.expr, constants: dict[str, int]) -> int | None:
    """The value of an integer written with literals and module constants (`ROUNDS // 2`)."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    if isinstance(node, ast.BinOp) and isinstance(
        node.op, ast.Add | ast.Sub | ast.Mult | ast.FloorDiv
    ):
        left, right = _integer(node.left, constants), _integer(node.right, constants)
        if left is None or right is None or (isinstance(node.op, ast.FloorDiv) and right == 0):
            return None
        operations = {ast.Add: int.__add__, ast.Sub: int.__sub__, ast.Mult: int.__mul__}
        return operations.get(type(node.op), int.__floordiv__)(left, right)
    return None


def _module_integers(tree: ast.Module) -> dict[str, int]:
    """Module-level `NAME = <integer>` assignments (the last one, if a name has several)."""
    constants: dict[str, int] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            value = _integer(node.value, constants)
            if isinstance(target, ast.Name) and value is not None:
                constants[target.id] = value
    return constants


def _never_empty(iterable: ast.expr, constants: dict[str, int]) -> bool:
    """A literal that cannot be empty: `(a, b)`, `["x"]`, `"abc"`, `range(3)`, `range(ROUNDS)`."""
    if isinstance(iterable, ast.Tuple | ast.List | ast.Set):
        return any(not isinstance(element, ast.Starred) for element in iterable.elts)
    if isinstance(iterable, ast.Constant):
        return isinstance(iterable.value, str | bytes) and len(iterable.value) > 0
    if not (
        isinstance(iterable, ast.Call)
        and isinstance(iterable.func, ast.Name)
        and iterable.func.id == "range"
        and len(iterable.args) == 1
    ):
        return False
    count = _integer(iterable.args[0], constants)
    return count is not None and count > 0


def _always_asserts(statements: list[ast.stmt], known: Known) -> bool:
    """Whether one of `statements` asserts on every run of the block."""
    return any(_statement_always_asserts(statement, known) for statement in statements)


def _statement_always_asserts(node: ast.stmt, known: Known) -> bool:
    if isinstance(node, ast.Assert):
        return True
    if isinstance(node, ast.For) and _never_empty(node.iter, known.constants):
        return _always_asserts(node.body, known)
    if isinstance(node, ast.For | ast.AsyncFor | ast.While | ast.Match):
        return False  # a loop may run zero times; a case may not match
    if isinstance(node, Function | ast.ClassDef):
        return False  # runs only when called: the call is what counts
    if isinstance(node, ast.If):
        return _always_asserts(node.body, known) and _always_asserts(node.orelse, known)
    if isinstance(node, ast.Try | ast.TryStar):
        return _always_asserts(node.body, known) or _always_asserts(node.finalbody, known)
    if isinstance(node, ast.With | ast.AsyncWith):
        return any(
            _expression_asserts(item.context_expr, known) for item in node.items
        ) or _always_asserts(node.body, known)
    return _expression_asserts(node, known)


def _test_functions(tree: ast.Module) -> Iterable[Function]:
    for node in tree.body:
        if isinstance(node, Function) and node.name.startswith("test"):
            yield node
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for member in node.body:
                if isinstance(member, Function) and member.name.startswith("test"):
                    yield member


def check_source(source: str, path: str = "<source>") -> list[Finding]:
    """Every test function of `source` whose assertions are all conditional, or absent."""
    tree = ast.parse(source, filename=path)
    module_functions = [node for node in tree.body if isinstance(node, Function)]
    module_helpers = _asserting_helpers(module_functions)
    constants = _module_integers(tree)
    findings = []
    for test in _test_functions(tree):
        nested = [
            node for node in ast.walk(test) if isinstance(node, Function) and node is not test
        ]
        helpers = module_helpers | _asserting_helpers(nested)
        if _always_asserts(test.body, Known(helpers, constants)):
            continue
        if _contains_assertion(test, helpers):
            message = "every assertion is inside a loop or a condition (it may never run)"
        else:
            message = "asserts nothing"
        findings.append(Finding(path, test.lineno, test.name, message))
    return findings


def check_tree(
    root: Path | None = None, allowed: dict[tuple[str, str], str] | None = None
) -> tuple[list[Finding], list[tuple[str, str]]]:
    """(the findings not allowed, the allowlist entries that name no test function found)."""
    root = TESTS if root is None else root
    allowed = ALLOWED if allowed is None else allowed
    findings: list[Finding] = []
    tests: set[tuple[str, str]] = set()
    for file in sorted(root.rglob("test_*.py")):
        path = file.relative_to(ROOT).as_posix()
        source = file.read_text(encoding="utf-8")
        tests |= {(path, test.name) for test in _test_functions(ast.parse(source))}
        findings.extend(check_source(source, path))
    flagged = {finding.key for finding in findings}
    return (
        [finding for finding in findings if finding.key not in allowed],
        [key for key in allowed if key not in tests or key not in flagged],
    )


def unexplained(allowed: dict[tuple[str, str], str]) -> list[tuple[str, str]]:
    """The allowlist entries that do not say why (a blank reason, or one marked TEMPORARY)."""
    return [key for key, reason in allowed.items() if not reason.strip() or "TEMPORARY" in reason]


def main() -> int:
    findings, stale = check_tree()
    silent = unexplained(ALLOWED)
    for finding in findings:
        print(finding)
    for key in stale:
        print(f"{key[0]}: allowlist entry matches no flagged test, remove it from ALLOWED: {key}")
    for key in silent:
        print(f"{key[0]}: allowlist entry without its reason, say why in ALLOWED: {key}")
    if findings:
        print(
            f"{len(findings)} test(s) that may assert nothing: assert outside the loop (the "
            "count, the collected list) or list the test in ALLOWED with its reason "
            "(scripts/check_test_assertions.py)."
        )
    return 1 if findings or stale or silent else 0


if __name__ == "__main__":
    sys.exit(main())
