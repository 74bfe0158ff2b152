"""Notify defaults; every key can be overridden by a DVK_* environment variable."""
DEFAULTS = {
    "DATABASE_URL": "sqlite:///var/notify.db",
}
