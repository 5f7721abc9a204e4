"""The text of the signature code's SMS, kept to one segment: GSM-7 (one non-GSM character,
"â" or "ç", turns the whole SMS into UCS-2 and its limit into 70 characters) and 160
characters. The organisation's name is the part that varies: its acronym stands in for a name
too long, else the name is cut."""

from __future__ import annotations

import unicodedata

# The GSM 03.38 basic character set (one septet each).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: two septets each (an escape, then the character).
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

SEGMENT = 160


def to_gsm7(text: str) -> str:
    """`text` with each character outside GSM-7 replaced by its unaccented letter ("â" → "a",
    "ç" → "c", "’" → "'"), or dropped when it has none."""
    out = []
    for char in text.replace("’", "'").replace("«", '"').replace("»", '"'):
        if char in GSM7_BASIC or char in GSM7_EXTENSION:
            out.append(char)
            continue
        base = unicodedata.normalize("NFKD", char)
        out.extend(c for c in base if c in GSM7_BASIC)
    return "".join(out)


def gsm7_length(text: str) -> int:
    """How many septets `text` takes in GSM-7 (extension characters count twice)."""
    return sum(2 if char in GSM7_EXTENSION else 1 for char in text)


def convention_code_sms(*, scheme: str, name: str, acronym: str, code: str) -> str:
    """The SMS sent to the legal representative with the code that signs the convention: the
    scheme, the code, the organisation (its name, else its acronym, else its name cut), within
    one segment. The code may be given to the person filling in the affiliation, who may not
    be the representative (issue 33 §6)."""
    head = to_gsm7(f"{scheme} : code {code} pour signer la convention de ")
    tail = to_gsm7(". Valable 10 min. Ne le donnez qu'à la personne qui fait l'adhésion.")
    room = SEGMENT - gsm7_length(head) - gsm7_length(tail)
    for candidate in (to_gsm7(name).strip(), to_gsm7(acronym).strip()):
        if candidate and gsm7_length(candidate) <= room:
            return f"{head}{candidate}{tail}"
    cut = to_gsm7(name).strip()
    while cut and gsm7_length(cut) > room - 3:
        cut = cut[:-1]
    return f"{head}{cut.rstrip(' ,;:-')}...{tail}"
