"""Events awards publishes on dvk.awards and the handlers of the events it consumes."""
from __future__ import annotations

from typing import Any

# Topics (by publishing service) this service's consumer reads.
SUBSCRIBES: list[str] = ['registration', 'reporting']
HANDLERS: dict[str, Any] = {}
