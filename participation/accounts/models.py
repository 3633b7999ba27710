from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from participation.clock import utcnow
from participation.tenancy import CouncilOwned


class Role(enum.StrEnum):
    admin = "admin"
    moderator = "moderator"
    editor = "editor"


class StaffUser(CouncilOwned, table=True):
    __tablename__ = "staff_user"

    # An address is unique within its council: one person may work for two.
    __table_args__ = (UniqueConstraint("council_id", "email", name="uq_staff_user_council_email"),)

    id: int = Field(default=None, primary_key=True)
    email: str = Field(max_length=254)
    name: str = Field(default="", max_length=200)
    role: Role = Field(default=Role.moderator)
    password_hash: str = Field(max_length=255)
    #: The TOTP secret, encrypted (accounts/totp.py); None while the second factor is off.
    totp_secret: str | None = Field(default=None, max_length=255)
    #: Raised by "log out everywhere": sessions carry the version they were issued with.
    session_version: int = Field(default=1)
    failed_logins: int = Field(default=0)
    locked_until: datetime | None = None
    is_active: bool = Field(default=True)
    #: keyed_hash of the one outstanding reset link's token (accounts/credentials.py),
    #: never the token; cleared when it is used or the password changes.
    reset_token_hash: str | None = Field(default=None, max_length=64, unique=True)
    reset_expires_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
