"""A service's schemas speak Vietnamese however the process starts: a field takes its error messages when it is
made, at the import of the service's schema module, which a ServiceSpec (and so gunicorn's wsgi module) does before
any app is created. Each service is imported first thing in a fresh interpreter, as a web process does."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

SERVICES = ["registration", "reporting", "awards", "notify", "feed"]

PROBE = """
import inspect, json, sys
import {service}.spec
import {service}.schemas as module
from marshmallow import Schema
found = {{}}
for name, cls in inspect.getmembers(module, inspect.isclass):
    if issubclass(cls, Schema) and cls.__module__ == module.__name__:
        required = [f for f, field in cls._declared_fields.items() if field.required and not field.dump_only]
        if required:
            found[name] = cls().validate({{}})
print(json.dumps(found, ensure_ascii=False))
"""


@pytest.mark.parametrize("service", SERVICES)
def test_required_fields_are_refused_in_vietnamese_in_a_fresh_process(service: str) -> None:
    done = subprocess.run([sys.executable, "-c", PROBE.format(service=service)], capture_output=True, text=True,
                          timeout=120, check=True)
    found = json.loads(done.stdout)
    assert found, f"{service}.schemas has no schema with a required field to check"
    messages = {m for errors in found.values() for field_errors in errors.values() if isinstance(field_errors, list)
                for m in field_errors}
    assert "Trường này là bắt buộc." in messages, found
    assert not any("Missing data" in m for m in messages), found
