"""Notify defaults; every key can be overridden by a DVK_* environment variable."""
DEFAULTS = {
    "DATABASE_URL": "sqlite:///var/notify.db",
    # Where staff open the web UI (links in e-mails). Recipients come from the gateway's account events.
    "PUBLIC_URL": "http://127.0.0.1:8000",
    # Outgoing mail.
    "SMTP_HOST": "127.0.0.1",
    "SMTP_PORT": 1025,
    "SMTP_FROM": "Dân Vận Khéo - UBND phường Minh Xuân <thongbao@minhxuan.gov.vn>",
    "SMTP_USERNAME": "",
    "SMTP_PASSWORD": "",
    "SMTP_STARTTLS": False,
    "SMTP_TIMEOUT": 10.0,
    # Webhooks and the dispatcher.
    "WEBHOOK_TIMEOUT": 5.0,
    # A subscriber's secret replaced by a new one still signs (beside the new one) this many hours, so the
    # receiver can switch over without refusing anything.
    "WEBHOOK_ROTATION_OVERLAP_HOURS": 48.0,
    "DELIVERY_MAX_ATTEMPTS": 6,
    "DELIVERY_BACKOFF_SECONDS": 30.0,
    "DELIVERY_BACKOFF_MAX_SECONDS": 21600.0,
    "DISPATCH_BATCH_SIZE": 50,
    "DISPATCH_CONCURRENCY": 8,
    "DISPATCH_LEASE_SECONDS": 300,
    "DISPATCH_POLL_INTERVAL": 5.0,
    # Deadline reminders: days before each deadline, and the overdue notice after it.
    "REMINDER_OFFSETS": "14,7,1",
    "REMINDER_OVERDUE_WINDOW_DAYS": 30,
    "REMINDER_INTERVAL_SECONDS": 900,
    "DEADLINE_REGISTRATION": "02-15",
    "DEADLINE_SIX_MONTH_REPORT": "06-10",
    "DEADLINE_ANNUAL_REPORT": "11-15",
}
