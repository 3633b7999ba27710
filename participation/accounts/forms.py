"""The staff account forms, read and checked before anything is stored."""

from __future__ import annotations

from dataclasses import dataclass

from participation.accounts.models import Role
from participation.web.forms import field


@dataclass(frozen=True)
class NewAccount:
    email: str
    name: str
    #: As sent, so the form shows it again; see `chosen_role`.
    role: str
    password: str

    @property
    def chosen_role(self) -> Role | None:
        """None when the form named no role we have."""
        return Role(self.role) if self.role in Role.__members__ else None

    def shown(self) -> dict[str, str]:
        """The values to put back into the form: all but the password."""
        return {"email": self.email, "name": self.name, "role": self.role, "password": ""}


def parse_new_account(form) -> NewAccount:
    return NewAccount(
        email=field(form, "email", 254),
        name=field(form, "name", 200),
        role=field(form, "role", 20),
        password=field(form, "password", 2000),
    )


@dataclass(frozen=True)
class PasswordChange:
    current: str
    new: str
    confirmation: str


def parse_password_change(form) -> PasswordChange:
    return PasswordChange(
        current=field(form, "current_password", 2000),
        new=field(form, "new_password", 2000),
        confirmation=field(form, "confirm_password", 2000),
    )
