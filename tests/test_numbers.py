"""Numbers from outside: the accepted digits, the database's range, the path convertor."""

from __future__ import annotations

import re

import pytest
from starlette.routing import Mount, Route

from participation.app import create_app
from participation.numbers import (
    DB_INT_MAX,
    at_most_regex,
    bounded_int,
    digits_only,
    menu_choice,
)
from participation.settings import Settings
from participation.web.convertors import BoundedIntConvertor


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("4711", "4711"),
        ("٤٧١١", "4711"),  # Arabic-Indic
        ("۴۷۱۱", "4711"),  # Eastern Arabic-Indic (Persian)
        ("４７１１", "4711"),  # full-width
        ("²²", None),  # superscripts: isdigit() says yes, int() says no
        ("४७", None),  # Devanagari: not on any keypad our residents use
        ("①", None),
        ("", None),
        ("47 11", None),
    ],
)
def test_digits_only(typed, expected):
    assert digits_only(typed) == expected


def test_bounded_int_keeps_to_the_database_range():
    assert bounded_int(str(DB_INT_MAX)) == DB_INT_MAX
    assert bounded_int(str(DB_INT_MAX + 1)) is None
    assert bounded_int("-" + "9" * 20) is None
    assert bounded_int("9" * 5000) is None
    assert bounded_int(" ４２ ") == 42
    for junk in ("1e3", "+1", "1_000", "²", "0x10", "", None):
        assert bounded_int(junk) is None
    assert bounded_int("5", low=1, high=4) is None
    assert menu_choice("#", 3) is None
    assert menu_choice("٢", 3) == 2


@pytest.mark.parametrize("high", [0, 1, 7, 10, 99, 100, 305, 2026])
def test_at_most_regex_matches_exactly_up_to_high(high):
    pattern = re.compile(at_most_regex(high))
    for n in range(0, 3000):
        assert bool(pattern.fullmatch(str(n))) == (n <= high), n


def test_at_most_regex_at_the_database_limit():
    pattern = re.compile(at_most_regex(DB_INT_MAX))
    for n in (DB_INT_MAX, DB_INT_MAX - 1, 2147483599, 999_999_999, 10**9, 2 * 10**9):
        assert pattern.fullmatch(str(n))
    for n in (DB_INT_MAX + 1, 2147483650, 2147483700, 3 * 10**9, 10**10, 10**20):
        assert not pattern.fullmatch(str(n))


def _routes(routes, prefix=""):
    for route in routes:
        if isinstance(route, Mount):
            yield from _routes(route.routes, prefix + route.path)
        elif isinstance(route, Route):
            yield prefix + route.path, route


def test_every_int_in_a_path_is_bounded():
    app = create_app(
        Settings(database_url="sqlite://", secret_key="x" * 32, public_base_url="http://t")
    )
    with_ints = [
        (path, route)
        for path, route in _routes(app.routes)
        if any(isinstance(c, BoundedIntConvertor) for c in route.param_convertors.values())
    ]
    assert len(with_ints) > 20
    for path, route in _routes(app.routes):
        for name, convertor in route.param_convertors.items():
            assert type(convertor).__name__ != "IntegerConvertor", (path, name)
