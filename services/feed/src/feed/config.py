"""Feed defaults; every key can be overridden by a DVK_* environment variable."""
DEFAULTS = {
    "DATABASE_URL": "sqlite:///var/feed.db",
    # Largest and default page of GET /feed.
    "FEED_PAGE_SIZE_MAX": 500,
    "FEED_PAGE_SIZE_DEFAULT": 100,
    # Master key from which each API key's signing secret is derived (HMAC); set a long random value in
    # production. Changing it changes every subscriber's signing secret.
    "FEED_SIGNING_KEY": "dev-only-feed-signing-key-change-me",
    # After a key's signing secret is rotated, the old one still signs beside the new one this many hours.
    "FEED_ROTATION_OVERLAP_HOURS": 48.0,
    # The province's ward registry (YAML or CSV, see dvk_core.wards); empty: the one shipped with the platform.
    # A key's wards must be in it.
    "WARDS_FILE": "",
}
