from __future__ import annotations

import pytest

from dvk_testing.plugin import bus_for


@pytest.fixture
def registration(make_service, database_kind, bus_config):
    """The registration service on one database kind and one bus transport."""
    return make_service("registration", database_kind, **bus_config)


@pytest.fixture
def bus(bus_config):
    b = bus_for(bus_config)
    yield b
    b.close()
