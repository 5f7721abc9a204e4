"""Names and numbers of the demo data set (fictitious; deterministic)."""

from __future__ import annotations

from schwifty import IBAN
from stdnum import luhn

from passplus.core.enums import Domain

FIRST_NAMES = [
    "Léa",
    "Hugo",
    "Inès",
    "Louis",
    "Chloé",
    "Adam",
    "Jade",
    "Nathan",
    "Manon",
    "Gabriel",
    "Sarah",
    "Noah",
    "Camille",
    "Yanis",
    "Lina",
    "Théo",
    "Zoé",
    "Rayan",
    "Emma",
    "Lucas",
    "Maëlys",
    "Ibrahim",
    "Anaïs",
    "Jules",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Benali",
    "Nguyen",
    "Diallo",
    "Traoré",
]
COLLEGES = [
    "Collège Paul Éluard",
    "Collège Victor Hugo",
    "Collège Jean Moulin",
    "Collège Marie Curie",
    "Collège André Malraux",
    "Collège Les Bruyères",
]
ORGANISATION_KINDS = [
    ("Football Club", Domain.SPORT, "football"),
    ("Judo Club", Domain.SPORT, "judo"),
    ("Cercle d'escrime", Domain.SPORT, "escrime"),
    ("Natation", Domain.SPORT, "natation"),
    ("Basket Ball", Domain.SPORT, "basket"),
    ("Conservatoire", Domain.CULTURE, "musique"),
    ("Théâtre des jeunes", Domain.CULTURE, "théâtre"),
    ("École de danse", Domain.CULTURE, "danse"),
    ("Atelier d'arts plastiques", Domain.CULTURE, "arts plastiques"),
    ("Club d'échecs", Domain.CULTURE, "échecs"),
]


def elision_of(name: str) -> str:
    """French elision: 'de Nanterre', but 'd'Antony'."""
    return f"d'{name}" if name[:1] in "AEIOUÉ" else f"de {name}"


def demo_iban(index: int) -> str:
    return str(
        IBAN.generate(
            "FR", bank_code="30003", account_code=f"{index + 1:011d}", branch_code="01234"
        )
    ).replace(" ", "")


def demo_siret(index: int) -> str:
    body = f"{732829320 + index:09d}"
    siren = body[:8] + luhn.calc_check_digit(body[:8])
    stem = f"{siren}0001"
    return stem + luhn.calc_check_digit(stem)
