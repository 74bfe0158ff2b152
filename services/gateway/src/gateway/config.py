"""Gateway defaults; every key can be overridden by a DVK_* environment variable."""
DEFAULTS = {
    "DATABASE_URL": "sqlite:///var/gateway.db",
    "USES_BUS": False,  # the gateway calls the services over HTTP; it neither publishes nor consumes
    "REGISTRATION_URL": "http://127.0.0.1:8001",
    "REPORTING_URL": "http://127.0.0.1:8002",
    "AWARDS_URL": "http://127.0.0.1:8003",
    "NOTIFY_URL": "http://127.0.0.1:8004",
}
