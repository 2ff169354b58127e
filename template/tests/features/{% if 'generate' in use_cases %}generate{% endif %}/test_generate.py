"""Content generation: templates, single and batch jobs, validation, job status and events."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from ...support.sse_events import parse
from ..jobs.helpers import wait_for_job


def test_templates_are_listed_with_versions_and_variables(client: TestClient) -> None:
    listed = {t["name"]: t for t in client.get("/v1/generate/templates").json()}
    product = listed["product_description"]
    assert product["version"] == "2"
    assert set(product["output_schema"]["properties"]) == {"title", "description", "bullet_points"}
    assert listed["blog_outline"]["output_schema"] is None  # a text template
    assert product["variables"] == ["product", "audience", "tone"]
    assert product["defaults"] == {"tone": "friendly"}


def test_single_generation_runs_as_a_job(client: TestClient) -> None:
    body = {
        "template": "product_description",
        "variables": {"product": "a teapot", "audience": "tea lovers"},
    }
    response = client.post("/v1/generate", json=body)
    assert response.status_code == 202
    job = wait_for_job(client, response.json()["job_id"])
    assert job["status"] == "succeeded" and job["attempts"] == 1 and job["error"] is None
    result = job["result"]
    assert result["template"] == "product_description" and result["version"] == "2"
    data = result["data"]  # the template declares a schema: JSON, validated
    assert set(data) == {"title", "description", "bullet_points"}
    assert json.loads(result["text"]) == data
    assert "a teapot, aimed at tea lovers" in data["description"]
    assert "friendly tone" in data["title"] and len(data["bullet_points"]) == 1
    assert result["usage"]["output_tokens"] > 0


def test_batch_generation_gives_one_result_per_item(client: TestClient) -> None:
    items = [{"topic": "tea"}, {"topic": "coffee", "sections": "3"}]
    job_id = client.post("/v1/generate", json={"template": "blog_outline", "items": items}).json()[
        "job_id"
    ]
    result = wait_for_job(client, job_id)["result"]
    assert [("tea" in i["text"], "coffee" in i["text"]) for i in result["items"]] == [
        (True, False),
        (False, True),
    ]
    assert "3 sections" in result["items"][1]["text"]


def test_bad_generation_requests_are_422_naming_the_problem(client: TestClient) -> None:
    cases = [
        ({"template": "nope", "variables": {}}, "'nope' found using 'template' does not match"),
        ({"variables": {"topic": "x"}}, "discriminator 'template'"),
        ({"template": "blog_outline", "variables": {}}, "variables.topic: Field required"),
        (
            {"template": "blog_outline", "variables": {"topic": "x", "extra": "y"}},
            "variables.extra: Extra inputs are not permitted",
        ),
        ({"template": "blog_outline", "items": [{"topic": "x"}, {}]}, "items.1.topic: Field"),
        ({"template": "blog_outline", "variables": {"topic": "x" * 10_001}}, "at most 10000"),
        ({"template": "blog_outline"}, "either 'variables'"),
        (
            {"template": "blog_outline", "variables": {"topic": "x"}, "items": [{"topic": "y"}]},
            "either",
        ),
    ]
    for body, message in cases:
        response = client.post("/v1/generate", json=body)
        assert response.status_code == 422, body
        assert message in response.json()["error"]["message"], response.json()


def test_job_events_stream_until_a_final_status(client: TestClient) -> None:
    job_id = client.post(
        "/v1/generate", json={"template": "blog_outline", "variables": {"topic": "tea"}}
    ).json()["job_id"]
    with client.stream("GET", f"/v1/jobs/{job_id}/events") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = parse(response.iter_lines())
    assert {name for name, _ in events} == {"status"}
    assert events[-1][1]["status"] == "succeeded"
    assert events[-1][1]["result"]["template"] == "blog_outline"


def test_unknown_job_is_404(client: TestClient) -> None:
    assert client.get("/v1/jobs/nope").status_code == 404
    assert client.get("/v1/jobs/nope/events").status_code == 404
