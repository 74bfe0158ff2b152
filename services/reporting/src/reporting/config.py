"""Reporting defaults; every key can be overridden by a DVK_* environment variable."""
DEFAULTS = {
    "DATABASE_URL": "sqlite:///var/reporting.db",
    # The plan's deadlines (month-day); a year can set its own through PUT /deadlines/<year>/<period>.
    "SIX_MONTH_DUE": "06-10",
    "ANNUAL_DUE": "11-15",
    # The movement runs 2026–2030; no report is expected before its first year.
    "FIRST_YEAR": 2026,
    # Evidence files (minh chứng) of a report: bytes per file and per report, all its files together.
    "EVIDENCE_MAX_FILE_BYTES": 20 * 1024 * 1024,
    "EVIDENCE_MAX_RECORD_BYTES": 100 * 1024 * 1024,
    # How the ward's documents are headed and signed: WARD_AGENCY, WARD_AGENCY_PLACE, WARD_PLACE_NAME, CHAIRMAN_NAME
    # (platform settings, shared with awards and the gateway).
    # A callable returning an aware datetime; tests inject it, production reads the system clock.
    "CLOCK": None,
}
