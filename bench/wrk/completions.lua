-- POST an OpenAI chat completion request straight to the fake provider: the ceiling.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}'

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "errors": %d, "status_errors": %d, '
      .. '"p50_us": %d, "p99_us": %d, "max_us": %d, "stdev_us": %f}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99), latency.max, latency.stdev))
end
