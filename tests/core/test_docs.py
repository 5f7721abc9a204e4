"""The docs stay true where a test can check them (issue 30 §4): every markdown table is whole;
the index of docs/decisions.md lists every decision and each link reaches its heading;
docs/design.md lists each lifecycle's states as its enum does; nothing cites a file outside
the repository."""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps

from tests.helpers.paths import ROOT

DOCS = ROOT / "docs"
MARKDOWN_WITH_TABLES = [
    *sorted(DOCS.rglob("*.md")),
    ROOT / "README.md",
    ROOT / "bench" / "README.md",
]
DELIMITER_CELL = re.compile(r"^\s*:?-{3,}:?\s*$")


@dataclass(frozen=True)
class Table:
    path: Path
    line: int  # 1-based, its first row
    rows: list[list[str]]

    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def cells(row: str) -> list[str]:
    """A row's cells as GitHub renders them: split on every `|` not escaped by a backslash (code
    spans included), the leading and trailing pipes dropped."""
    parts = re.split(r"(?<!\\)\|", row.strip())
    if parts and parts[0].strip() == "":
        parts = parts[1:]
    if parts and parts[-1].strip() == "":
        parts = parts[:-1]
    return [part.strip() for part in parts]


def tables(path: Path) -> list[Table]:
    """Runs of consecutive lines starting with `|`, outside fenced code blocks."""
    found: list[Table] = []
    fenced = False
    current: list[str] = []
    start = 0
    for number, line in enumerate([*path.read_text().splitlines(), ""], start=1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        if not fenced and line.lstrip().startswith("|"):
            if not current:
                start = number
            current.append(line)
            continue
        if current:
            found.append(Table(path, start, [cells(row) for row in current]))
            current = []
    return found


def all_tables() -> list[Table]:
    return [table for path in MARKDOWN_WITH_TABLES for table in tables(path)]


def test_every_markdown_table_has_as_many_cells_in_each_row_as_in_its_header() -> None:
    ragged = [
        f"{table.where()}: row {index} has {len(row)} cells, the header {len(table.rows[0])}"
        for table in all_tables()
        for index, row in enumerate(table.rows[1:], start=2)
        if len(row) != len(table.rows[0])
    ]
    assert ragged == []


def test_every_markdown_table_starts_with_a_header_and_its_delimiter_row() -> None:
    """A blank line inside a table makes its second part a table without a header, which
    renders as plain text."""
    headless = [
        table.where()
        for table in all_tables()
        if len(table.rows) < 2 or not all(DELIMITER_CELL.match(cell) for cell in table.rows[1])
    ]
    assert headless == []


def test_the_table_walk_reads_the_docs_tables() -> None:
    found = all_tables()
    assert len(found) > 20
    assert {table.path.name for table in found} >= {"README.md", "deployment.md", "security.md"}
    assert cells(r"| `a` | b \| c | |") == ["`a`", r"b \| c", ""]


def github_anchor(heading: str) -> str:
    """The anchor GitHub (and GitLab) give a heading: lower case, punctuation dropped (letters
    with accents kept), spaces made hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


DECISIONS = DOCS / "decisions.md"
INDEX_HEADING = "Index by subject"


def decision_headings() -> list[str]:
    return [
        line[3:]
        for line in DECISIONS.read_text().splitlines()
        if line.startswith("## ") and line[3:] != INDEX_HEADING
    ]


def decisions_index() -> str:
    text = DECISIONS.read_text()
    start = text.index(f"## {INDEX_HEADING}\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def test_every_link_of_the_decisions_index_reaches_a_heading() -> None:
    anchors = {github_anchor(heading) for heading in decision_headings()}
    links = re.findall(r"\]\(#([^)]+)\)", decisions_index())
    assert [link for link in links if link not in anchors] == []
    assert len(links) == len(set(links))  # each decision listed once


def test_every_decision_is_in_the_index() -> None:
    linked = set(re.findall(r"\]\(#([^)]+)\)", decisions_index()))
    assert [h for h in decision_headings() if github_anchor(h) not in linked] == []


def test_every_link_inside_the_decisions_reaches_a_heading() -> None:
    """The "Replaced by" lines and the cross-references in the sections themselves."""
    anchors = {github_anchor(heading) for heading in decision_headings()}
    body = DECISIONS.read_text().replace(decisions_index(), "")
    links = re.findall(r"\]\(#([^)]+)\)", body)
    assert [link for link in links if link not in anchors] == []
    assert len(links) >= 4  # the replaced decisions link to what replaced them


def test_decision_headings_are_unique_and_their_anchors_too() -> None:
    headings = decision_headings()
    assert len({github_anchor(heading) for heading in headings}) == len(headings)
    assert len(headings) > 180
    assert github_anchor("Redemption → payment as a foreign key") == (
        "redemption--payment-as-a-foreign-key"
    )
    assert github_anchor("No `ATOMIC_REQUESTS`") == "no-atomic_requests"


DESIGN = DOCS / "design.md"
STATES_LINE = re.compile(r"^States \(`(?P<enum>[\w.]+)`\): (?P<states>.+)$", re.MULTILINE)


def documented_lifecycles() -> dict[str, list[str]]:
    """Each `States (`<module>.<Enum>`): `a`, `b`` line of docs/design.md: enum -> states."""
    return {
        match["enum"]: re.findall(r"`([^`]+)`", match["states"])
        for match in STATES_LINE.finditer(DESIGN.read_text())
    }


def enum_values(dotted: str) -> list[str]:
    module, _, name = f"passplus.{dotted}".rpartition(".")
    return [str(value) for value in getattr(importlib.import_module(module), name).values]


def test_each_lifecycle_of_the_design_lists_exactly_the_states_of_its_enum() -> None:
    lifecycles = documented_lifecycles()
    assert {enum: states for enum, states in lifecycles.items()} == {
        enum: enum_values(enum) for enum in lifecycles
    }
    assert len(lifecycles) >= 9


def test_every_model_with_a_status_has_its_lifecycle_in_the_design() -> None:
    documented = {frozenset(states) for states in documented_lifecycles().values()}
    missing = [
        model.__name__
        for model in apps.get_models()
        if model.__module__.startswith("passplus.")
        and "status" in {field.name for field in model._meta.get_fields()}
        and frozenset(value for value, _label in model._meta.get_field("status").choices or [])
        not in documented
    ]
    assert missing == []


NOT_THE_REPOSITORY = {".git", ".venv", "node_modules", "var", "staticfiles", "__pycache__"}
TEXT_SUFFIXES = {".py", ".md", ".txt", ".toml", ".cfg", ".yml", ".yaml", ".html", ".js", ".css"}


def tracked_text_files() -> list[Path]:
    """The repository's text files (what a clone holds), without what tools make beside them."""
    return [
        path
        for path in sorted(ROOT.rglob("*"))
        if path.is_file()
        and (path.suffix in TEXT_SUFFIXES or path.name in {"Makefile", ".env.example"})
        and NOT_THE_REPOSITORY.isdisjoint(path.relative_to(ROOT).parts)
    ]


def test_no_file_cites_what_lies_outside_the_repository() -> None:
    """A reader of the published repository cannot open ../shared/ (the design brief): the
    project's own description is docs/design.md. decisions.md may name the brief "DESIGN.md" when
    it tells the history of a choice; everything else cites docs/design.md."""
    this = Path(__file__).resolve()
    citing = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in tracked_text_files()
        if path.resolve() != this
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1)
        if "../shared/" in line
        or "shared/DESIGN" in line
        or ("DESIGN.md" in line and path != DECISIONS)
    ]
    assert citing == []
    assert len(tracked_text_files()) > 300


def test_the_readme_lists_every_document_of_docs() -> None:
    readme = (ROOT / "README.md").read_text()
    listed = readme[readme.index("## Documentation") :]
    documents = [str(path.relative_to(ROOT)) for path in sorted(DOCS.rglob("*.md"))]
    assert [document for document in documents if f"`{document}`" not in listed] == []
    assert "docs/design.md" in documents
