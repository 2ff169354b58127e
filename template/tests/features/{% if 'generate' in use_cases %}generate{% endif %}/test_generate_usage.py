"""A generation job stores its calls' tokens together, for ``admin usage``."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ..jobs.helpers import wait_for_job


def test_a_batch_stores_the_sum_of_its_calls(client: TestClient) -> None:
    items = [{"topic": "tea"}, {"topic": "coffee"}, {"topic": "cocoa"}]
    response = client.post("/v1/generate", json={"template": "blog_outline", "items": items})
    result = wait_for_job(client, response.json()["job_id"])["result"]
    outputs = result["items"]
    assert result["model"] == outputs[0]["model"]
    assert result["usage"] == {
        "input_tokens": sum(output["usage"]["input_tokens"] for output in outputs),
        "output_tokens": sum(output["usage"]["output_tokens"] for output in outputs),
        "requests": 3,
        "cost": 0.0,  # the shipped price table: the offline model is free
        "currency": "USD",
        "unpriced": 0,
    }
