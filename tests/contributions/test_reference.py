from itertools import product

from participation.contributions.reference import (
    format_reference,
    is_valid,
    new_reference,
    parse_reference,
)


def test_new_references_are_valid_eight_digits():
    for _ in range(500):
        reference = new_reference()
        assert len(reference) == 8 and reference.isdigit() and reference[0] != "0"
        assert is_valid(reference)


def test_every_single_digit_error_and_neighbour_swap_is_caught():
    reference = new_reference()
    for position, digit in product(range(8), "0123456789"):
        if reference[position] == digit:
            continue
        assert not is_valid(reference[:position] + digit + reference[position + 1 :])
    for position in range(7):
        a, b = reference[position], reference[position + 1]
        if a != b:
            swapped = reference[:position] + b + a + reference[position + 2 :]
            assert not is_valid(swapped)


def test_reference_is_read_with_or_without_separators():
    reference = new_reference()
    shown = format_reference(reference)
    assert shown == f"{reference[:4]}-{reference[4:]}"
    for typed in (shown, reference, f"{reference[:4]} {reference[4:]}", f" {shown} "):
        assert parse_reference(typed) == reference
    assert parse_reference("1234-5678" if not is_valid("12345678") else "1234-5679") is None
    assert parse_reference("abc") is None
