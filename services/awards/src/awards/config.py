"""Awards defaults; every key can be overridden by a DVK_* environment variable.

Tests may also pass CLOCK: a function returning the current aware datetime (the system clock otherwise).
"""
DEFAULTS = {
    "DATABASE_URL": "sqlite:///var/awards.db",
    # Supporting documents (minh chứng) of a nomination: bytes per file and per nomination, all its files together.
    "EVIDENCE_MAX_FILE_BYTES": 20 * 1024 * 1024,
    "EVIDENCE_MAX_RECORD_BYTES": 100 * 1024 * 1024,
}
