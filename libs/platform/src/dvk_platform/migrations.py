"""Alembic helpers: one migration history per service, run programmatically or from env.py."""
from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData

from .db import make_engine


def migrations_dir(service: str) -> Path:
    """The service's Alembic history, shipped as package data (<service>/migrations) and found with
    importlib.resources, so it is there in an editable checkout and a plain `pip install` alike."""
    root = resources.files(service) / "migrations"
    path = Path(str(root))
    if not (path / "env.py").is_file():
        raise FileNotFoundError(f"{service}: migration history not found at {path} (package data missing)")
    return path


def alembic_config(service: str, url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir(service)))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["dvk_service"] = service
    return cfg


def upgrade(service: str, url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(service, url), revision)


def run_env(context: Any, target_metadata: MetaData | list[MetaData]) -> None:
    """Body of every service's migrations/env.py (online mode; SQLite uses batch operations)."""
    url = context.config.get_main_option("sqlalchemy.url")
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=engine.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
