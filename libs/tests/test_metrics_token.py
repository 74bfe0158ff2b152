"""/metrics needs `Authorization: Bearer <DVK_METRICS_TOKEN>` once the token is set (production requires it);
/healthz and /readyz stay open for orchestrators. Without a token (development) /metrics is open as before."""
from __future__ import annotations

import pytest

TOKEN = "m" * 24 + "-metrics-token-for-tests"


@pytest.fixture(params=["registration", "feed"])
def service(request, make_service):
    return make_service(request.param, METRICS_TOKEN=TOKEN)


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Bearer sai-ma", f"Basic {TOKEN}", f"Bearer {TOKEN}x"])
def test_metrics_without_the_token_is_401_problem_json(service, authorization):
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = service.test_client().get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.json["type"] == "urn:dvk:problem:unauthenticated" and response.json["status"] == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert "dvk_http" not in response.get_data(as_text=True)


def test_metrics_with_the_token_is_200_and_health_needs_none(service):
    client = service.test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code in (200, 503)  # the bus may be unconfigured here; never 401
    scraped = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert scraped.status_code == 200 and scraped.mimetype == "text/plain"
    assert "dvk_http_requests_total" in scraped.get_data(as_text=True)
    assert client.get("/metrics", headers={"Authorization": f"bearer  {TOKEN} "}).status_code == 200


def test_without_a_token_metrics_stays_open_in_development(make_service):
    app = make_service("registration")
    assert not app.config["METRICS_TOKEN"] and app.test_client().get("/metrics").status_code == 200
