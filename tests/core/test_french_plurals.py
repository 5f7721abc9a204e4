"""French plurals wherever a count is printed: 0 and 1 take the singular, 2 and more the plural
(issue 18 §2). Helpers, template filters, the pupil import report and the transfer e-mails."""

from __future__ import annotations

import pytest
from django.core import mail
from django.template import Context, Template
from django.test import Client
from django.urls import reverse

from passplus.campaigns.models import SchoolYear
from passplus.core.french import counted, format_number, is_plural, plural
from passplus.payments.models import PaymentRunStatus
from passplus.payments.settlement import payment_mark_paid, payment_mark_rejected
from passplus.pupils.csv_import import FileError, column_positions
from tests.helpers import factories
from tests.helpers.accounts import log_in_new_user
from tests.helpers.pages import parse_html, text_of
from tests.helpers.payments import payment_with_redemptions, run_in
from tests.helpers.pupil_import import csv_bytes, line, upload
from tests.helpers.tasks import run_queued_tasks

NNBSP = "\u202f"  # narrow no-break space, the French thousands separator

# Helpers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "expected"), [(0, False), (1, False), (2, True), (1000, True), (-1, False), (-2, True)]
)
def test_only_two_and_more_are_plural(n: int, expected: bool) -> None:
    assert is_plural(n) is expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, "0 ligne"), (1, "1 ligne"), (2, "2 lignes"), (1000, f"1{NNBSP}000 lignes")],
)
def test_counted_agrees_the_word_and_groups_thousands(n: int, expected: str) -> None:
    assert counted(n, "ligne") == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "0 ligne en erreur"),
        (1, "1 ligne en erreur"),
        (2, "2 lignes en erreur"),
        (1000, f"1{NNBSP}000 lignes en erreur"),
    ],
)
def test_counted_takes_the_given_plural_of_a_phrase(n: int, expected: str) -> None:
    assert counted(n, "ligne en erreur", "lignes en erreur") == expected


@pytest.mark.parametrize(("n", "expected"), [(0, "cheval"), (1, "cheval"), (2, "chevaux")])
def test_plural_of_an_irregular_word(n: int, expected: str) -> None:
    assert plural(n, "cheval", "chevaux") == expected


@pytest.mark.parametrize("word", ["mois", "prix", "nez"])
def test_words_ending_in_s_x_or_z_do_not_change(word: str) -> None:
    assert plural(2, word) == word
    assert counted(1000, word) == f"1{NNBSP}000 {word}"


@pytest.mark.parametrize(
    ("n", "expected"), [(0, "0"), (999, "999"), (1000, f"1{NNBSP}000"), (1234567, "1 234 567")]
)
def test_format_number_groups_thousands_with_a_narrow_no_break_space(n: int, expected: str) -> None:
    assert format_number(n) == expected.replace(" ", NNBSP)


# Template filters ------------------------------------------------------------------------------


def render(source: str, **context: object) -> str:
    return Template("{% load passplus %}" + source).render(Context(context))


@pytest.mark.parametrize(("n", "expected"), [(0, "ligne"), (1, "ligne"), (2, "lignes")])
def test_pluriel_adds_an_s_from_two(n: int, expected: str) -> None:
    assert render("ligne{{ n|pluriel }}", n=n) == expected


@pytest.mark.parametrize(("n", "expected"), [(0, "journal"), (1, "journal"), (2, "journaux")])
def test_pluriel_takes_singular_and_plural_suffixes(n: int, expected: str) -> None:
    assert render('journ{{ n|pluriel:"al,aux" }}', n=n) == expected


@pytest.mark.parametrize(
    ("people", "expected"),
    [([], "Correspondant"), (["a"], "Correspondant"), (["a", "b"], "Correspondants")],
)
def test_pluriel_counts_a_list_like_pluralize(people: list[str], expected: str) -> None:
    assert render("Correspondant{{ people|pluriel }}", people=people) == expected


@pytest.mark.parametrize(
    ("n", "expected"), [(0, "0 virement"), (1, "1 virement"), (2, "2 virements")]
)
def test_compte_prints_the_count_and_the_agreed_word(n: int, expected: str) -> None:
    assert render('{{ n|compte:"virement" }}', n=n) == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "0 organisme trouvé"),
        (1, "1 organisme trouvé"),
        (2, "2 organismes trouvés"),
        (1000, f"1{NNBSP}000 organismes trouvés"),
    ],
)
def test_compte_takes_singular_and_plural_phrases(n: int, expected: str) -> None:
    assert render('{{ n|compte:"organisme trouvé,organismes trouvés" }}', n=n) == expected


# The pupil import report -----------------------------------------------------------------------


@pytest.fixture
def year(db: None) -> SchoolYear:
    return factories.SchoolYearFactory()


def import_report(client: Client, year: SchoolYear, valid: int, errors: int) -> str:
    """The job page's text after checking a file of `valid` good and `errors` bad lines."""
    log_in_new_user(client)
    lines = [line(year, first=f"Valide{n}") for n in range(valid)]
    lines += [line(year, first=f"Faux{n}", email="faux") for n in range(errors)]
    job = upload(client, year, csv_bytes(*lines))
    assert (job.valid_lines, job.error_lines) == (valid, errors)
    page = parse_html(client.get(reverse("backoffice:pupil_import_job", args=[job.pk])))
    return text_of(page, "main")


def test_the_report_says_nothing_is_ignored_without_error_lines(
    client: Client, year: SchoolYear
) -> None:
    text = import_report(client, year, valid=2, errors=0)
    assert "ignoré" not in text
    assert "Rien n'a été importé" not in text
    assert "Lignes en erreur 0" in text


def test_the_report_ignores_the_one_error_line_in_the_singular(
    client: Client, year: SchoolYear
) -> None:
    text = import_report(client, year, valid=2, errors=1)
    assert "ou importez seulement les lignes valides : la ligne en erreur sera ignorée." in text
    assert "les 1 " not in text


def test_the_report_ignores_two_error_lines_in_the_plural(client: Client, year: SchoolYear) -> None:
    text = import_report(client, year, valid=1, errors=2)
    assert "ou importez seulement la ligne valide : les 2 lignes en erreur seront ignorées." in text


def test_missing_columns_agree_with_their_number() -> None:
    header = ["Collège", "E-mail famille", "Nom du parent", "Prénom", "Nom", "Date de naissance"]
    with pytest.raises(FileError, match=r"^Colonne manquante dans l'en-tête : « classe »\."):
        column_positions([*header, "Boursier"])
    with pytest.raises(
        FileError, match=r"^Colonnes manquantes dans l'en-tête : « classe », « boursier »\."
    ):
        column_positions(header)


# Transfer e-mails ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("tickets", "expected"), [(1, "1 ticket saisi avant"), (2, "2 tickets saisis avant")]
)
@pytest.mark.parametrize("outcome", ["paid", "rejected"])
def test_the_transfer_email_counts_its_tickets_in_french(
    tickets: int, expected: str, outcome: str
) -> None:
    payment = payment_with_redemptions(run_in(PaymentRunStatus.SENT), count=tickets)
    payment.organisation.representative_email = "presidente@club.example.fr"
    payment.organisation.save(update_fields=["representative_email"])
    staff = factories.UserFactory(finance=True)
    if outcome == "paid":
        payment_mark_paid(payment=payment, actor=staff)
    else:
        payment_mark_rejected(payment=payment, actor=staff, reason="AC04 compte clos")
    run_queued_tasks()

    [email] = mail.outbox
    assert f"pour {expected} le " in email.body
    assert "(s)" not in email.body
