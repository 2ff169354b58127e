"""A job's trace crosses processes: web request -> Redis stream -> worker, one trace.

A real web process and a real worker on a real Redis export to one OTLP/HTTP receiver.
"""

from __future__ import annotations

import json
import signal
import uuid
from pathlib import Path

import httpx

from ...support.otlp_receiver import CLIENT, SERVER, OtlpReceiver
from ...support.running import LoggedProcess, migrated_sqlite, start_server
from .helpers import job_probes, wait_for_job

JOB = job_probes()[0]  # every kind of job is traced alike


def test_a_job_continues_the_trace_of_the_request_that_queued_it(
    redis_url: str, tmp_path: Path
) -> None:
    receiver = OtlpReceiver()
    env = {
        **migrated_sqlite(tmp_path),
        **receiver.env(),
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
    }
    worker = LoggedProcess(["worker"], env, tmp_path)
    web, base = start_server(env, tmp_path)
    try:
        worker.wait_for("worker.started")
        with httpx.Client(base_url=base, timeout=10) as client:
            job_id = JOB.submit(client)
            assert wait_for_job(client, job_id)["status"] == "succeeded"
    finally:
        web.send_signal(signal.SIGTERM)
        web_out, _ = web.communicate(timeout=20)
        assert worker.stop() == 0
        receiver.close()
    assert web.returncode == 0

    [job] = [s for s in receiver.spans if s.name == f"job {JOB.kind}"]
    assert job.attributes == {"job.id": job_id, "job.kind": JOB.kind}
    chain = receiver.ancestors(job)
    assert chain, "the job span has no parent: the trace context did not cross Redis"
    request = chain[-1]  # the root: the web request that queued the job
    assert request.kind == SERVER and request.name.startswith("POST "), receiver.names()
    assert {s.trace_id for s in chain} == {job.trace_id}

    calls = [s for s in receiver.trace(job.trace_id) if s.name.startswith("chat ")]
    assert calls and all(job in receiver.ancestors(call) for call in calls)
    assert all(
        call.kind == CLIENT and "gen_ai.usage.output_tokens" in call.attributes for call in calls
    )

    ran = [line for line in worker.lines if line.get("job_id") == job_id]
    assert {line["event"] for line in ran} >= {"job.started", "job.finished"}
    assert all(line["trace_id"] == job.trace_id for line in ran), ran
    queued = [json.loads(line) for line in web_out.splitlines()]
    assert any(
        line["trace_id"] == job.trace_id and line["event"] == "http.access" for line in queued
    )
