"""Text stored before the text policy (dvk_core.text) may hold control characters that break the documents
made from it: each service's migration cleans its own tables with `clean_stored_text` once."""
from __future__ import annotations

import json
import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

# What free text may not hold even where it is multi-line (tab and newline stay; a lone CR becomes a newline).
_REFUSED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# History is kept as it was: events already published, events received, and the audit log.
_HISTORY = {"outbox_messages", "inbox_events", "inbox", "audit_log", "alembic_version"}


def cleaned(value: str) -> str:
    return _REFUSED.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def _cleaned_json(value: Any) -> Any:
    if isinstance(value, str):
        return cleaned(value)
    if isinstance(value, list):
        return [_cleaned_json(v) for v in value]
    if isinstance(value, dict):
        return {cleaned(k): _cleaned_json(v) for k, v in value.items()}
    return value


def clean_stored_text(bind: Connection, skip: set[str] | None = None) -> int:
    """Remove from every text and JSON column of every table (but history) the characters the text policy
    refuses. Returns how many values changed."""
    inspector = sa.inspect(bind)
    meta = sa.MetaData()
    changed = 0
    for name in inspector.get_table_names():
        if name in _HISTORY or name in (skip or set()):
            continue
        table = sa.Table(name, meta, autoload_with=bind)
        key = list(table.primary_key.columns)
        texts = [c for c in table.columns if isinstance(c.type, sa.String | sa.Text) and c not in key]
        documents = [c for c in table.columns if isinstance(c.type, sa.JSON)]
        if not key or not (texts or documents):
            continue
        for row in bind.execute(sa.select(*key, *texts, *documents)).mappings():
            updates: dict[str, Any] = {}
            for column in texts:
                value = row[column.name]
                if isinstance(value, str) and cleaned(value) != value:
                    updates[column.name] = cleaned(value)
            for column in documents:
                value = row[column.name]
                if isinstance(value, str):  # a JSON column read as text by an older driver
                    value = json.loads(value)
                if value is not None and _cleaned_json(value) != value:
                    updates[column.name] = _cleaned_json(value)
            if updates:
                bind.execute(table.update().where(*(c == row[c.name] for c in key)).values(**updates))
                changed += len(updates)
    return changed
