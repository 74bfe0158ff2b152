"""Gateway defaults; every key can be overridden by a DVK_* environment variable."""
DEFAULTS = {
    "DATABASE_URL": "sqlite:///var/gateway.db",
    # The movement's years (giai đoạn): the years the pages offer and the footer names.
    "MOVEMENT_FIRST_YEAR": 2026,
    "MOVEMENT_LAST_YEAR": 2030,
    # The gateway calls the services over HTTP. Its web process never touches the bus: account events go to its
    # outbox and `dvk-worker relay gateway` publishes them, so its readiness does not depend on the broker.
    "USES_BUS": False,
    "REGISTRATION_URL": "http://127.0.0.1:8001",
    "REPORTING_URL": "http://127.0.0.1:8002",
    "AWARDS_URL": "http://127.0.0.1:8003",
    "NOTIFY_URL": "http://127.0.0.1:8004",
    # The gateway alone signs service tokens: its Ed25519 private key (PEM text or one-line base64 body, or a PEM
    # file), see dvk_platform.auth. Its public half is in DVK_SERVICE_TOKEN_PUBLIC_KEYS of every service.
    "SERVICE_TOKEN_PRIVATE_KEY": "",
    "SERVICE_TOKEN_PRIVATE_KEY_FILE": "",
    # Signs the session cookie; set DVK_SECRET_KEY in production.
    "SECRET_KEY": "dev-only-session-key-change-me-dev-only",
    # make run serves plain HTTP on 127.0.0.1 and sets DVK_COOKIE_SECURE=false.
    "COOKIE_SECURE": True,
    "SESSION_HOURS": 8,
    # Seconds before a call to another service counts as "not answering".
    "SERVICE_CONNECT_TIMEOUT": 2.0,
    "SERVICE_READ_TIMEOUT": 8.0,
    # The largest evidence file (tệp minh chứng) the gateway passes on to a service: larger uploads are refused with
    # 413 before they are read. Keep it equal to the services' own DVK_EVIDENCE_MAX_FILE_BYTES.
    "EVIDENCE_MAX_FILE_BYTES": 20 * 1024 * 1024,
    # Login throttling: after this many wrong passwords (per username, and per client address)
    # further attempts wait LOGIN_LOCK_SECONDS, doubling with each further failure, up to LOGIN_LOCK_MAX_SECONDS.
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_MAX_FAILURES_PER_IP": 5,
    "LOGIN_LOCK_SECONDS": 30,
    "LOGIN_LOCK_MAX_SECONDS": 3600,
    "LOGIN_FAILURE_WINDOW_SECONDS": 86400,
    "MIN_PASSWORD_LENGTH": 10,
    # Reverse proxies in front of the gateway whose X-Forwarded-For is believed (the TLS proxy: 1). With 0 the
    # header is ignored, so a client cannot choose the address its failed logins are counted against.
    "TRUSTED_PROXIES": 0,
}
