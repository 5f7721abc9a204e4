"""The checks of the restore drill (scripts/restore_drill.py), apart from any database: they
take what was read from the restored rows and say what does not hold, one French sentence per
problem, so that tests can feed them a lost table, a tampered seal or a foreign SECRET_KEY."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from cryptography.fernet import InvalidToken
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from passplus.notifications.queue_secrets import unseal_text


@dataclass
class Report:
    """One line per check: what held, and what did not."""

    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def check(self, label: str, problems: list[str], success: str) -> None:
        self.problems += problems
        if problems:
            self.lines.append(f"ÉCHEC {label} : {len(problems)} problème(s)")
            self.lines += [f"      - {problem}" for problem in problems]
        else:
            self.lines.append(f"OK    {label} : {success}")


def plural(count: int, singular: str, plural_form: str) -> str:
    number = f"{count:,}".replace(",", "\u202f")  # French thousands separator
    return f"{number} {singular if count <= 1 else plural_form}"


# Row counts --------------------------------------------------------------------------------


def compare_counts(source: Mapping[str, int], restored: Mapping[str, int]) -> list[str]:
    """What the restored database lacks, or has more of, table by table."""
    problems = [
        f"table {name} absente de la restauration" for name in source if name not in restored
    ]
    problems += [
        f"table {name} absente de la base d'origine" for name in restored if name not in source
    ]
    problems += [
        f"table {name} : {source[name]} ligne(s) dans la base, {restored[name]} restaurée(s)"
        for name in source
        if name in restored and source[name] != restored[name]
    ]
    return sorted(problems)


# Files and their hashes --------------------------------------------------------------------


@dataclass(frozen=True)
class StoredFile:
    """A file a restored row points to (`name` under MEDIA_ROOT) with the SHA-256 it stores."""

    label: str  # "convention 12", "campagne de remboursement 3"
    name: str
    sha256: str


def read_stored(stored: StoredFile, media_root: Path) -> tuple[bytes | None, str | None]:
    """The file's bytes once it is found and matches its hash; otherwise why not."""
    if not stored.name:
        return None, f"{stored.label} : empreinte enregistrée mais aucun fichier"
    root = media_root.resolve()
    path = (root / stored.name).resolve()
    if not path.is_relative_to(root):
        return None, f"{stored.label} : chemin hors de MEDIA_ROOT ({stored.name})"
    if not path.is_file():
        return None, f"{stored.label} : fichier absent ({stored.name})"
    content = path.read_bytes()
    digest = hashlib.sha256(content).hexdigest()
    if digest != stored.sha256:
        return None, (
            f"{stored.label} : l'empreinte SHA-256 du fichier ({digest[:12]}…) n'est pas "
            f"celle enregistrée ({stored.sha256[:12] or 'aucune'}…) ({stored.name})"
        )
    return content, None


def seal_problem(pdf: bytes, trust_root: Any) -> str | None:
    """Why the PDF's PAdES seal does not validate against `trust_root`, or None if it does."""

    try:
        signatures = PdfFileReader(BytesIO(pdf)).embedded_signatures
        if len(signatures) != 1:
            return f"{len(signatures)} cachet(s) au lieu d'un"
        status = validate_pdf_signature(signatures[0], ValidationContext(trust_roots=[trust_root]))
    except Exception as error:  # a damaged PDF: pyHanko raises many kinds
        return f"PDF illisible ({type(error).__name__})"
    failed = [
        name
        for name, held in (
            ("intact", status.intact),
            ("valide", status.valid),
            ("de confiance", status.trusted),
        )
        if not held
    ]
    return f"cachet non {', '.join(failed)}" if failed else None


def check_conventions(files: Iterable[StoredFile], media_root: Path, trust_root: Any) -> list[str]:
    problems = []
    for stored in files:
        content, problem = read_stored(stored, media_root)
        if content is not None:
            seal = seal_problem(content, trust_root)
            problem = f"{stored.label} : {seal} ({stored.name})" if seal else None
        if problem:
            problems.append(problem)
    return problems


def check_hashes(files: Iterable[StoredFile], media_root: Path) -> list[str]:
    return [problem for stored in files if (problem := read_stored(stored, media_root)[1])]


# The task queue ----------------------------------------------------------------------------


def check_queue(sealed: Iterable[tuple[str, str]]) -> list[str]:

    problems = []
    for task_id, token in sealed:
        try:
            unseal_text(token)
        except InvalidToken:
            problems.append(f"tâche {task_id} : indéchiffrable avec ce SECRET_KEY")
    return problems
