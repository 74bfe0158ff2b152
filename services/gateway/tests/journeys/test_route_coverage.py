"""Every page and form of the gateway is reached by some journey: by a click, a typed address or a form sent."""
from __future__ import annotations

import pytest

from .conftest import COLLECTED, FINISHED, REACHED, page_routes

# Pages and forms no journey reaches yet. This set only shrinks: a route listed here that a journey reaches makes the
# test fail until it is taken out.
NOT_YET_COVERED: set[str] = set()


@pytest.fixture
def gateway_app(make_gateway):
    return make_gateway()


@pytest.mark.browser
@pytest.mark.after_journeys
def test_every_page_and_form_is_reached_by_a_journey(gateway_app):
    missing_journeys = COLLECTED - FINISHED
    assert COLLECTED, ("no browser journey ran in this session: run the journeys with this test "
                       "(pytest services/gateway/tests/journeys)")
    assert not missing_journeys, f"journeys that did not run to their end: {sorted(missing_journeys)}"
    routes = page_routes(gateway_app)
    assert routes >= NOT_YET_COVERED, f"listed as not yet covered but not a route: {sorted(NOT_YET_COVERED - routes)}"
    reached = set(REACHED)
    unreached = routes - reached - NOT_YET_COVERED
    assert not unreached, f"pages and forms no journey reaches: {sorted(unreached)}"
    now_covered = NOT_YET_COVERED & reached
    assert not now_covered, f"reached by a journey now, take them out of NOT_YET_COVERED: {sorted(now_covered)}"

# every journey and the route coverage judged after them run in one process: the journeys group
pytestmark = pytest.mark.journeys
