"""Awards defaults; every key can be overridden by a DVK_* environment variable.

Tests may also pass CLOCK: a function returning the current aware datetime (the system clock otherwise).
"""
DEFAULTS = {
    "DATABASE_URL": "sqlite:///var/awards.db",
}
