"""Registration defaults; every key can be overridden by a DVK_* environment variable.

Tests (and a ward that wants to replay a day) pass CLOCK: a callable returning an aware datetime.
"""
DEFAULTS = {
    "DATABASE_URL": "sqlite:///var/registration.db",
    # Default registration deadline (day/month) when Phòng VH-XH opens a year without giving one.
    "REGISTRATION_DEADLINE": "15/02",
    "PAGE_SIZE_MAX": 100,
}
