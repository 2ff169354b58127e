"""Chat under OpenTelemetry: a real service process exports to a real OTLP/HTTP receiver.

One process serves a plain and a streamed chat request and is stopped (SIGTERM flushes what
it buffered); the tests read the span tree, the metrics and the log lines it left.
"""

from __future__ import annotations

import json
import signal
import tomllib
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ...support.otlp_receiver import CLIENT, SERVER, OtlpReceiver, Span
from ...support.running import PROJECT, migrated_sqlite, start_server

MESSAGE = "tell me about the lighthouse keeper"


@dataclass
class Served:
    receiver: OtlpReceiver
    lines: list[dict[str, Any]]


def _chat(base: str, request_id: str, **body: Any) -> bytes:
    request = urllib.request.Request(
        f"{base}/v1/chat",
        data=json.dumps({"message": MESSAGE, **body}).encode(),
        headers={"Content-Type": "application/json", "X-Request-ID": request_id},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        return response.read()


def _serve(tmp: Path, **env: str) -> Served:
    receiver = OtlpReceiver()
    process, base = start_server({**migrated_sqlite(tmp), **receiver.env(), **env}, tmp)
    plain = json.loads(_chat(base, "req-plain"))
    _chat(base, "req-stream", stream=True, conversation_id=plain["conversation_id"])
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=20)
    receiver.close()
    assert process.returncode == 0, stderr
    return Served(receiver, [json.loads(line) for line in stdout.splitlines()])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    yield _serve(tmp_path_factory.mktemp("telemetry"))


def _request(served: Served, request_id: str) -> tuple[dict[str, Any], Span]:
    """The request's ``llm.call`` log line and the server span of its trace."""
    call = next(
        line
        for line in served.lines
        if line["event"] == "llm.call" and line["request_id"] == request_id
    )
    server = [s for s in served.receiver.trace(call["trace_id"]) if s.kind == SERVER]
    assert [s.name for s in server] == ["POST /v1/chat"], served.receiver.names()
    return call, server[0]


def _model_span(served: Served, trace_id: str) -> Span:
    found = [s for s in served.receiver.trace(trace_id) if s.name.startswith("chat ")]
    assert len(found) == 1, served.receiver.names()
    return found[0]


@pytest.mark.parametrize("request_id", ["req-plain", "req-stream"])
def test_model_call_is_a_genai_child_of_the_request(served: Served, request_id: str) -> None:
    call, server = _request(served, request_id)
    span = _model_span(served, server.trace_id)
    assert span.name == f"chat {call['model']}"
    assert span.kind == CLIENT
    assert server in served.receiver.ancestors(span)
    assert span.attributes == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "offline",
        "gen_ai.request.model": call["model"],
        "gen_ai.response.model": call["model"],
        "gen_ai.usage.input_tokens": call["input_tokens"],
        "gen_ai.usage.output_tokens": call["output_tokens"],
        "gen_ai.response.finish_reasons": ["stop"],
        "llm.cache": "off",
    }
    assert not span.error
    resource = span.resource
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]
    assert resource["service.name"] == project["name"]
    assert resource["service.version"] == project["version"]


def _statements(served: Served, request_id: str) -> str:
    """The text of the database statements in the request's trace, each a child of it."""
    _, server = _request(served, request_id)
    statements = [
        s
        for s in served.receiver.trace(server.trace_id)
        if "db.statement" in s.attributes or "db.query.text" in s.attributes
    ]
    assert statements, served.receiver.names()
    for span in statements:
        assert span.kind == CLIENT
        assert server in served.receiver.ancestors(span)
    return " ".join(
        str(s.attributes.get("db.statement", s.attributes.get("db.query.text"))) for s in statements
    )


def test_database_statements_are_spans_of_the_request(served: Served) -> None:
    # A new conversation is written, not read; the streamed request continues it: a read.
    assert "INSERT INTO messages" in _statements(served, "req-plain")
    streamed = _statements(served, "req-stream")
    assert "SELECT" in streamed and "INSERT INTO messages" in streamed


def test_every_log_line_of_a_request_carries_its_trace(served: Served) -> None:
    for request_id in ("req-plain", "req-stream"):
        _, server = _request(served, request_id)
        lines = [line for line in served.lines if line["request_id"] == request_id]
        assert {line["event"] for line in lines} >= {"llm.call", "http.access"}
        for line in lines:
            assert line["trace_id"] == server.trace_id, line
            assert len(line["span_id"]) == 16, line
    outside = [line for line in served.lines if line["event"] == "app.started"]
    assert outside and all(line["trace_id"] is None for line in outside)


def test_genai_metrics_are_exported(served: Served) -> None:
    points = served.receiver.points
    duration = [p for p in points if p.metric == "gen_ai.client.operation.duration"]
    assert duration and all(p.unit == "s" for p in duration)
    assert sum(p.count for p in duration) >= 2  # two calls (cumulative: the last export)
    assert all(p.attributes["gen_ai.provider.name"] == "offline" for p in duration)
    tokens = [p for p in points if p.metric == "gen_ai.client.token.usage"]
    assert {p.attributes["gen_ai.token.type"] for p in tokens} == {"input", "output"}
    assert all(p.value > 0 for p in tokens)


def test_message_content_is_not_recorded_by_default(served: Served) -> None:
    for span in served.receiver.spans:
        assert "lighthouse" not in json.dumps(span.attributes), span


def test_content_capture_switch_records_the_messages(tmp_path: Path) -> None:
    on = _serve(tmp_path, OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT="true")
    _, server = _request(on, "req-plain")
    span = _model_span(on, server.trace_id)
    sent = json.loads(span.attributes["gen_ai.input.messages"])
    assert sent[-1] == {"role": "user", "parts": [{"type": "text", "content": MESSAGE}]}
    reply = json.loads(span.attributes["gen_ai.output.messages"])
    assert reply[0]["role"] == "assistant" and reply[0]["finish_reason"] == "stop"
    assert "lighthouse" in reply[0]["parts"][0]["content"]  # the offline model echoes it
    assert json.loads(span.attributes["gen_ai.system_instructions"])[0]["content"]
