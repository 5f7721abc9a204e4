"""Issue 30 §2: one entry point per money transition. Each step of a payment run is one
keyword-only service `<entity>_<action>` with a docstring; the models hold the rules but move
nothing; the pages call those services and import nothing else from passplus.payments that could
write (read-only helpers are listed, each with its reason)."""

from __future__ import annotations

import ast
import importlib
import inspect
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from passplus.payments import build, preparation, services, settlement
from tests.helpers.paths import ROOT

TRANSITIONS: dict[str, Callable[..., Any]] = {
    "build": build.payment_run_build,
    "build, asked for from the pages": preparation.payment_run_prepare,
    "check": services.payment_run_check,
    "approve": services.payment_run_approve,
    "SEPA file": services.payment_run_sepa_file,
    "SEPA file, each download audited": services.payment_run_sepa_download,
    "transmit": services.payment_run_transmit,
    "pay the whole run": settlement.payment_run_mark_paid,
    "pay one transfer": settlement.payment_mark_paid,
    "reject one transfer": settlement.payment_mark_rejected,
    "close": services.payment_run_close,
}
# Functions of passplus.payments the pages may call besides: each reads, none writes.
READS = {
    "build_in_progress": "the runs being built, shown on the runs page",
    "due_cut_offs": "past cut-offs without a run, counted by the metrics",
    "cut_offs_between": "the calendar, counted by the metrics",
    "next_cut_off": "the calendar, shown to partners and on the dashboards",
    "due_now": "what the next run pays, shown on the runs page",
    "left_out_before": "what a draft run leaves out and why, shown on its page",
    "preparations_waiting": "the runs asked for and not yet picked up, shown on the runs page",
    "is_finance": "who may act, to show or hide a button",
    "remittance_advice_facts": "a transfer's remittance advice, rendered for its partner",
    "remittance_advice_pdf": "a transfer's remittance advice, rendered for its partner",
    "runs_awaiting": "the runs a finance user may check or approve, listed to them",
    "next_transfer": "what the next run would pay a partner, shown on its pages",
    "expected_payment_day": "the calendar, the day a transfer is expected, shown to partners",
}
PAGES = ROOT / "passplus" / "www"


def imports_from_payments() -> Iterator[tuple[str, int, str, str]]:
    """(file, line, module, name) of every import from passplus.payments under passplus/www."""
    for path in sorted(PAGES.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            where = str(path.relative_to(ROOT))
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("passplus.payments"):
                        yield where, node.lineno, alias.name, ""
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "passplus.payments"
            ):
                for alias in node.names:
                    yield where, node.lineno, str(node.module), alias.name


@pytest.mark.parametrize("step", TRANSITIONS)
def test_each_step_of_a_run_is_one_keyword_only_service_with_a_docstring(step: str) -> None:
    service = TRANSITIONS[step]
    parameters = inspect.signature(service).parameters.values()

    assert service.__name__.startswith(("payment_run_", "payment_")), service.__name__
    assert [p.name for p in parameters if p.kind != inspect.Parameter.KEYWORD_ONLY] == []
    assert len((service.__doc__ or "").split()) >= 10, f"{service.__name__} says what it does"


def test_the_models_hold_the_rules_but_move_nothing() -> None:
    """A status changes only through the services: no method of the payments' models calls
    `_move` (the lifecycle step) or saves."""
    source = (ROOT / "passplus" / "payments" / "models.py").read_text()
    calls = [
        node.func.attr
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    ]

    assert {"_move", "save", "update", "delete"} & set(calls) == set()


def test_the_pages_call_only_those_services_to_change_a_run() -> None:
    allowed = {service.__name__ for service in TRANSITIONS.values()} | set(READS)
    found = list(imports_from_payments())
    offending = []
    for where, line, module, name in found:
        if not name:
            offending.append(f"{where}:{line} imports the module {module}: import its names")
            continue
        value = getattr(importlib.import_module(module), name)
        if inspect.ismodule(value):
            offending.append(f"{where}:{line} imports the module {module}.{name}")
        elif inspect.isfunction(value) and name not in allowed:
            offending.append(f"{where}:{line} calls {module}.{name}, neither a service nor a read")

    assert any(name == "payment_mark_paid" for *_, name in found), "the scan sees the pages"
    assert offending == []
