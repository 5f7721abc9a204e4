#!/usr/bin/env python3
"""Check that the pages (`passplus/www`) write nothing themselves: every change goes through a
domain service (docs/architecture.md, "Where a newcomer puts…"). Run by `make quality`.

Read on the syntax tree (`ast`), not as text. The rule, call by call:

- `transaction`: any use of `django.db.transaction` (importing it, `transaction.atomic`,
  `transaction.on_commit`...): a page that needs a transaction holds a write.
- `record(...)`: a call of anything named `record` (the journal, `passplus.audit`).
- `.enqueue(...)`: a task enqueued is a row inserted.
- `.save(...)` and `.delete(...)` on any receiver, except `.save(commit=False)` (a model form
  builds its unsaved instance: nothing is written) and the session (`request.session.save()`).
  A plain `form.save()` of a model form writes, so it is flagged: build the instance with
  `commit=False` and hand it to a service.
- `.create`, `.bulk_create`, `.bulk_update`, `.get_or_create`, `.update_or_create` on any
  receiver (no dict, set or form has them).
- `.update(...)` when its receiver chain goes through a manager (`.objects`,
  `._default_manager`) or a queryset method (`.filter(...)`, `.select_for_update()`...), or when it
  takes keyword arguments only (QuerySet.update's shape). `context.update({...})`,
  `widget.attrs.update({...})`, a set's `.update(items)` pass a mapping or an iterable and are
  not flagged.
- the cache: `cache.set/add/set_many/delete/delete_many/clear/incr/decr/touch(...)`.

Not writes here, so never flagged: `messages.*`, the session (`request.session[...] = ...`,
`login()`, `logout()`: the HTTP layer's own state, as in Django's auth views), response headers
and cookies, attributes set on an object that is not saved.

Not seen (the rule reads syntax, not types): a queryset first held in a variable then
`.update(field=...)`-ed is seen only through its keyword arguments; a many-to-many manager's
`.add/.remove/.set/.clear` (indistinguishable from a set's). The pages' tests remain the net.

ALLOWED lists the exceptions, each with its reason; an entry that matches nothing is an error
too, so the list only shrinks.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WWW = ROOT / "passplus" / "www"

ALWAYS_WRITES = {
    "create",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
    "create_user",  # UserManager
    "create_superuser",
}
CACHE_WRITES = {"set", "add", "set_many", "delete", "delete_many", "clear", "incr", "decr", "touch"}
MANAGERS = {"objects", "_default_manager", "_base_manager"}
QUERYSET_METHODS = {
    "all",
    "filter",
    "exclude",
    "select_related",
    "prefetch_related",
    "select_for_update",
    "order_by",
    "annotate",
    "alias",
    "distinct",
    "only",
    "defer",
    "using",
    "none",
    "values",
    "values_list",
}

# (file relative to the repository, enclosing function, the flagged call or use) -> why allowed.
# Empty: every page writes through a domain service. An entry must say why.
ALLOWED: dict[tuple[str, str, str], str] = {}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    function: str
    what: str
    message: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.path, self.function, self.what)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message} ({self.what}, in {self.function})"


def _chain(node: ast.expr) -> Iterator[ast.expr]:
    """The receiver chain of a call, outward in: `A.objects.filter(x).update` gives
    `A.objects.filter(x)`, `A.objects.filter`, `A.objects`, `A`."""
    while True:
        yield node
        if isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            return


def _names(receiver: ast.expr) -> set[str]:
    found = set()
    for node in _chain(receiver):
        if isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.Name):
            found.add(node.id)
    return found


def _goes_through_queryset(receiver: ast.expr) -> bool:
    for node in _chain(receiver):
        if isinstance(node, ast.Attribute) and node.attr in MANAGERS:
            return True
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in QUERYSET_METHODS
        ):
            return True
    return False


def _is_cache(receiver: ast.expr) -> bool:
    if isinstance(receiver, ast.Name):
        return receiver.id == "cache"
    if isinstance(receiver, ast.Attribute):
        return receiver.attr == "cache"
    if isinstance(receiver, ast.Subscript):  # caches["default"]
        return isinstance(receiver.value, ast.Name) and receiver.value.id == "caches"
    return False


def _commit_false(call: ast.Call) -> bool:
    return any(
        keyword.arg == "commit"
        and isinstance(keyword.value, ast.Constant)
        and keyword.value.value is False
        for keyword in call.keywords
    )


def _call_problem(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return "journal written from a page" if func.id == "record" else None
    if not isinstance(func, ast.Attribute):
        return None
    method, receiver = func.attr, func.value
    if method == "record":
        return "journal written from a page"
    if method == "enqueue":
        return "task enqueued from a page"
    if _is_cache(receiver):
        return "cache written from a page" if method in CACHE_WRITES else None
    if method in {"save", "delete"}:
        if _commit_false(call) or "session" in _names(receiver):
            return None
        return f"{method}() from a page"
    if method in ALWAYS_WRITES:
        return f"{method}() from a page"
    if method == "update" and (
        _goes_through_queryset(receiver) or (call.keywords and not call.args)
    ):
        return "queryset update() from a page"
    return None


class _Visitor(ast.NodeVisitor):
    def __init__(self, path: str) -> None:
        self.path = path
        self.functions = ["<module>"]
        self.findings: list[Finding] = []

    def _add(self, node: ast.AST, what: str, message: str) -> None:
        line = getattr(node, "lineno", 0)
        self.findings.append(Finding(self.path, line, self.functions[-1], what, message))

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _function

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name == "django.db.transaction":
                self._add(node, "import django.db.transaction", "transaction used by a page")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        names = {alias.name for alias in node.names}
        if node.module == "django.db.transaction" or (
            node.module == "django.db" and "transaction" in names
        ):
            self._add(node, "import django.db.transaction", "transaction used by a page")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.value, ast.Name) and node.value.id == "transaction":
            self._add(node, f"transaction.{node.attr}", "transaction used by a page")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        problem = _call_problem(node)
        if problem:
            self._add(node, ast.unparse(node.func), problem)
        self.generic_visit(node)


def check_source(source: str, path: str = "<source>") -> list[Finding]:
    """Every write `source` performs, allowed or not."""
    visitor = _Visitor(path)
    visitor.visit(ast.parse(source, filename=path))
    return visitor.findings


def check_tree(
    root: Path | None = None, allowed: dict[tuple[str, str, str], str] | None = None
) -> tuple[list[Finding], list[tuple[str, str, str]]]:
    """(the writes not allowed, the allowlist entries that matched nothing) under `root`
    (passplus/www by default), paths relative to the repository."""
    root = WWW if root is None else root
    allowed = ALLOWED if allowed is None else allowed
    findings: list[Finding] = []
    for file in sorted(root.rglob("*.py")):
        path = file.relative_to(ROOT).as_posix()
        findings.extend(check_source(file.read_text(encoding="utf-8"), path))
    used = {finding.key for finding in findings}
    return (
        [finding for finding in findings if finding.key not in allowed],
        [key for key in allowed if key not in used],
    )


def unexplained(allowed: dict[tuple[str, str, str], str]) -> list[tuple[str, str, str]]:
    """The allowlist entries that do not say why (a blank reason, or one marked TEMPORARY)."""
    return [key for key, reason in allowed.items() if not reason.strip() or "TEMPORARY" in reason]


def main() -> int:
    findings, stale = check_tree()
    silent = unexplained(ALLOWED)
    for key in silent:
        print(f"{key[0]}: allowlist entry without its reason, say why in ALLOWED: {key}")
    for finding in findings:
        print(finding)
    for key in stale:
        print(f"{key[0]}: allowlist entry matches nothing, remove it from ALLOWED: {key}")
    if findings:
        print(
            f"{len(findings)} write(s) in passplus/www: move them into a domain service "
            "(docs/architecture.md, 'Where a newcomer puts…'), see scripts/check_www_writes.py."
        )
    return 1 if findings or stale or silent else 0


if __name__ == "__main__":
    sys.exit(main())
