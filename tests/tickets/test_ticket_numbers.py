"""Ticket numbers (docs/design.md §5): 12 digits, random, ISO 7064 MOD 97-10 check, printed in
groups of four; a mistyped number is caught before any lookup. No database needed."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st
from stdnum.iso7064 import mod_97_10

from passplus.tickets.numbers import (
    format_ticket_number,
    generate_ticket_number,
    is_valid_ticket_number,
    normalise_ticket_number,
)

DIGITS = "0123456789"

# Any valid number: a 10-digit body (first digit non-zero) and its two check digits, computed here
# by the reference library rather than by the code under test.
valid_numbers = st.integers(min_value=10**9, max_value=10**10 - 1).map(
    lambda body: f"{body}{mod_97_10.calc_check_digits(str(body))}"
)


def test_every_generated_number_is_twelve_digits_valid_and_starts_with_a_non_zero_digit() -> None:
    numbers = [generate_ticket_number() for _ in range(2000)]

    for number in numbers:
        assert len(number) == 12
        assert number.isascii() and number.isdigit()
        assert number[0] != "0"
        assert is_valid_ticket_number(number)
        assert mod_97_10.is_valid(number)
    assert len(set(numbers)) > 1990  # random, not a sequence nor a constant


def test_generated_numbers_are_not_sequential() -> None:
    bodies = [int(generate_ticket_number()[:10]) for _ in range(50)]

    steps = {later - earlier for earlier, later in itertools.pairwise(bodies)}
    assert len(steps) > 1


@given(valid_numbers)
def test_a_valid_number_validates(number: str) -> None:
    assert len(number) == 12
    assert is_valid_ticket_number(number)


@given(valid_numbers, st.integers(min_value=0, max_value=11), st.sampled_from(DIGITS))
def test_any_single_wrong_digit_is_rejected(number: str, position: int, digit: str) -> None:
    if number[position] == digit:
        digit = DIGITS[(DIGITS.index(digit) + 1) % 10]
    typo = number[:position] + digit + number[position + 1 :]

    assert typo != number
    assert not is_valid_ticket_number(typo)


@given(valid_numbers, st.integers(min_value=0, max_value=10))
def test_any_swap_of_two_different_adjacent_digits_is_rejected(number: str, position: int) -> None:
    first, second = number[position], number[position + 1]
    if first == second:  # swapping equal digits is not a typo
        return
    typo = number[:position] + second + first + number[position + 2 :]

    assert not is_valid_ticket_number(typo)


@given(valid_numbers)
def test_printing_and_typing_back_a_number_round_trips(number: str) -> None:
    printed = format_ticket_number(number)

    assert printed == f"{number[:4]} {number[4:8]} {number[8:]}"
    assert normalise_ticket_number(printed) == number
    assert is_valid_ticket_number(printed)
    assert format_ticket_number(printed) == printed


def test_a_number_is_printed_in_three_groups_of_four() -> None:
    assert format_ticket_number("123456789012") == "1234 5678 9012"
    assert normalise_ticket_number("1234 5678 9012") == "123456789012"
    assert normalise_ticket_number(" 1234.5678-9012\t") == "123456789012"


@given(valid_numbers, st.sampled_from([" ", "  ", ".", "-", "\u00a0", "\t"]))
def test_separators_people_type_are_accepted(number: str, separator: str) -> None:
    typed = separator.join([number[:4], number[4:8], number[8:]])

    assert is_valid_ticket_number(typed)


@given(
    valid_numbers,
    st.integers(min_value=0, max_value=11),
    st.characters(exclude_categories=["Nd", "Z", "Cc"], exclude_characters=".-"),
)
def test_a_number_with_a_non_digit_is_rejected(number: str, position: int, intruder: str) -> None:
    typed = number[:position] + intruder + number[position + 1 :]

    assert not is_valid_ticket_number(typed)


@given(
    valid_numbers,
    st.integers(min_value=0, max_value=11),
    st.sampled_from("٠١٢٣٤٥٦٧٨٩０１２３４５６７８９"),
)
def test_non_ascii_digits_are_rejected(number: str, position: int, digit: str) -> None:
    typed = number[:position] + digit + number[position + 1 :]

    assert not is_valid_ticket_number(typed)


# Digits of other scripts with the same value: Python's int() reads them, so a check that
# forgot to require ASCII would let them through.
LOOKALIKE_DIGITS = ["٠١٢٣٤٥٦٧٨٩", "０１２３４５６７８９", "०१२३४५६७८९"]
FAULTS = ["lookalike digit", "letter", "extra digit", "missing digit"]


@st.composite
def typed_numbers(draw: st.DrawFn) -> tuple[str, str | None]:
    """A valid number as someone may type it, separators anywhere, with at most one fault:
    (the text, the fault or None). Only a text without a fault holds twelve ASCII digits."""
    chars = list(draw(valid_numbers))
    fault = draw(st.sampled_from([None, *FAULTS]))
    position = draw(st.integers(min_value=0, max_value=11))
    if fault == "lookalike digit":
        chars[position] = draw(st.sampled_from(LOOKALIKE_DIGITS))[int(chars[position])]
    elif fault == "letter":
        chars.insert(position, draw(st.sampled_from("OolIBSZ")))
    elif fault == "extra digit":
        chars.insert(position, draw(st.sampled_from(DIGITS)))
    elif fault == "missing digit":
        del chars[position]
    separators = draw(
        st.lists(
            st.sampled_from(["", "", " ", ".", "-", "\u00a0", "\t"]),
            min_size=len(chars) + 1,
            max_size=len(chars) + 1,
        )
    )
    return "".join(sep + char for sep, char in zip(separators, [*chars, ""], strict=True)), fault


@given(typed_numbers())
def test_whatever_is_typed_only_twelve_ascii_digits_can_validate(
    typed: tuple[str, str | None],
) -> None:
    text, fault = typed

    assert is_valid_ticket_number(text) is (fault is None), fault


@given(valid_numbers, st.integers(min_value=1, max_value=11))
def test_a_truncated_or_lengthened_number_is_rejected(number: str, keep: int) -> None:
    assert not is_valid_ticket_number(number[:keep])
    assert not is_valid_ticket_number(number + number[:keep])


def test_empty_and_missing_input_is_rejected() -> None:
    assert not is_valid_ticket_number("")
    assert not is_valid_ticket_number("    ")
    assert normalise_ticket_number(None) == ""  # type: ignore[arg-type]
