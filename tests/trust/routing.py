"""Every route of the app, found by walking app.routes (Mounts included).

Tests built on this cover routes added later without being told about them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from starlette.routing import Mount, Route

#: Staff paths a visitor must reach before logging in.
LOGIN_STEPS = frozenset(
    {
        "/{lang}/staff/login",
        "/{lang}/staff/login/code",
        "/{lang}/staff/logout",
        "/{lang}/staff/password-reset/{token}",
    }
)
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
_PARAM = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(?::([a-zA-Z_]+))?}")


@dataclass(frozen=True)
class FoundRoute:
    template: str  # "/{lang}/staff/moderation/{id}/approve"
    route: Route

    @property
    def methods(self) -> list[str]:
        return sorted((self.route.methods or {"GET"}) - {"HEAD"})

    @property
    def allowed_roles(self) -> frozenset | None:
        return getattr(self.route.endpoint, "allowed_roles", None)

    @property
    def is_staff(self) -> bool:
        return "/staff" in self.template and self.template not in LOGIN_STEPS

    @property
    def is_operator(self) -> bool:
        """Served on OPERATOR_HOSTS only (a 404 on a council's host, before any check):
        walked there by tests/councils/test_operator_access.py."""
        return self.template.startswith("/operator")

    @property
    def is_twilio(self) -> bool:
        return self.template.startswith("/twilio/")

    def path(self, **values: str) -> str:
        def fill(match: re.Match) -> str:
            name, convertor = match.group(1), match.group(2)
            if name in values:
                return values[name]
            if convertor == "int":
                return "1"
            if convertor == "lang" or name == "lang":
                return "de"
            if name == "reference":
                return "47112093"
            if name == "kind":
                return "csv"
            return "x"

        return _PARAM.sub(fill, self.raw_template)

    raw_template: str = ""


def walk(routes: list, prefix: str = "") -> Iterator[FoundRoute]:
    for route in routes:
        if isinstance(route, Mount):
            yield from walk(route.routes or [], prefix + route.path)
        elif isinstance(route, Route):
            raw = prefix + route.path
            plain = _PARAM.sub(lambda m: "{" + m.group(1) + "}", raw)
            yield FoundRoute(template=plain, route=route, raw_template=raw)


def all_routes(app) -> list[FoundRoute]:
    return list(walk(app.routes))
