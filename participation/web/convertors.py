"""Path convertors: an {id:int} in any route matches only numbers the database can hold.

Starlette's own "int" convertor matches any run of digits, and a 20-digit id then fails
inside the database (an overflow on SQLite, "integer out of range" on PostgreSQL): a 500
for anyone who types one. Registered under the same name, this one makes such an address
simply not match, so it answers 404 like every other unknown address. The package
registers it on import (participation/__init__.py), before any route list is built.
"""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor

from participation.numbers import DB_INT_MAX, at_most_regex


class BoundedIntConvertor(Convertor[int]):
    regex = at_most_regex(DB_INT_MAX)

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        value = int(value)
        assert 0 <= value <= DB_INT_MAX, "Negative or too large integers are not supported"
        return str(value)


def register() -> None:
    register_url_convertor("int", BoundedIntConvertor())
