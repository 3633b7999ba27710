"""Runs Alembic from Python: `participation migrate`, the tests and the demo use this."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from participation.settings import PROJECT_ROOT


def alembic_config(database_url: str) -> Config:
    config = Config(toml_file=str(PROJECT_ROOT / "pyproject.toml"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "participation" / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def check(database_url: str) -> None:
    """Raises when the models differ from what the migrations build."""
    command.check(alembic_config(database_url))
