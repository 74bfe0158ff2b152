"""Registration defaults; every key can be overridden by a DVK_* environment variable.

Tests (and a ward that wants to replay a day) pass CLOCK: a callable returning an aware datetime.
"""
DEFAULTS = {
    "DATABASE_URL": "sqlite:///var/registration.db",
    # Default registration deadline (day/month) when Phòng VH-XH opens a year without giving one.
    "REGISTRATION_DEADLINE": "15/02",
    "PAGE_SIZE_MAX": 100,
    # Evidence files (minh chứng): bytes per file and per model, all files together.
    "EVIDENCE_MAX_FILE_BYTES": 20 * 1024 * 1024,
    "EVIDENCE_MAX_RECORD_BYTES": 100 * 1024 * 1024,
}
