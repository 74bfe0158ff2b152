"""Fixtures of the feed tests: the service on a real database and keys issued through the admin API."""
from __future__ import annotations

import pytest

from dvk_testing.plugin import bearer


@pytest.fixture
def app(make_service, database_kind):
    return make_service("feed", database_kind, FEED_PAGE_SIZE_MAX=50, FEED_PAGE_SIZE_DEFAULT=10)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def issue_key(app, client):
    def issue(wards: list[str], subscriber: str = "Văn phòng UBND tỉnh — nền tảng LGSP") -> dict:
        response = client.post("/keys", json={"subscriber": subscriber, "wards": wards}, headers=bearer(app, "admin"))
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return issue
