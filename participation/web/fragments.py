"""``{% cache key, ... %}…{% endcache %}``: a template fragment rendered once per key.

For fragments that every request shows again with the same data, such as a listed
comment: Jinja spends ~20 µs on each (a dozen escapes, lookups and calls), twenty times
a page, to write the same HTML as the request before. The fragment is kept per process
under its template's name and the key's values, so the key must hold everything the
fragment reads that can differ: the language, the row it shows (a plain row of columns
compares by value), the labels it looks up. A changed value is a new key, so nothing
shown is ever stale; at most MAX_FRAGMENTS are kept, the oldest dropped first.
Switched off where templates are reloaded on change (DEBUG).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from contextlib import suppress

from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.parser import Parser

MAX_FRAGMENTS = 2048


class FragmentCacheExtension(Extension):
    tags = {"cache"}  # noqa: RUF012 - Jinja's own declaration

    def __init__(self, environment) -> None:
        super().__init__(environment)
        self.fragments: dict[Hashable, str] = {}

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        values = parser.parse_tuple(with_condexpr=True)
        parts = values.items if isinstance(values, nodes.Tuple) else [values]
        key = nodes.Tuple([nodes.Const(parser.name), *parts], "load")
        body = parser.parse_statements(("name:endcache",), drop_needle=True)
        call = self.call_method("_fragment", [key])
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _fragment(self, key: Hashable, caller: Callable[[], str]) -> str:
        html = self.fragments.get(key)
        if html is not None:
            return html
        html = caller()
        if self.environment.auto_reload:
            return html
        if len(self.fragments) >= MAX_FRAGMENTS:
            # Another thread may drop the same one at the same moment.
            with suppress(KeyError, RuntimeError, StopIteration):
                del self.fragments[next(iter(self.fragments))]
        self.fragments[key] = html
        return html
