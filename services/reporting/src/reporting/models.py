"""Reporting's own tables (SQLAlchemy 2.x)."""
from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
