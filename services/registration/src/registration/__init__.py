"""Registration service: units, yearly registration periods, model registrations, inspections."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from dvk_platform import audit
from dvk_platform.app import create_service_app

from .config import DEFAULTS


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app, api = create_service_app(__name__, "registration", DEFAULTS, config, title="Dân Vận Khéo — Đăng ký mô hình")
    from .api import compliance, files, inspection_files, periods, registrations, units
    from .models import Inspection, InspectionFile, ModelFile, ModelRegistration, PeriodChange, RegistrationPeriod, Unit

    for module in (units, periods, registrations, files, inspection_files, compliance):
        api.register_blueprint(module.blp)
    # every change to these records goes to the append-only audit log (GET /audit)
    audit.init_app(app, api, audited=[Unit, RegistrationPeriod, PeriodChange, ModelRegistration, Inspection, ModelFile,
                                       InspectionFile])

    return app
