-- wrk's script for `make bench`: POST /v1/chat with a new message each time (no cache hit),
-- or, with WRK_TARGET=completions, one OpenAI chat completion request to the fake provider.
-- Either way, a JSON summary line at the end, which bench/floor.py reads.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

if os.getenv("WRK_TARGET") == "completions" then
  wrk.body = '{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}'
else
  local threads = 0
  function setup(thread)
    threads = threads + 1
    thread:set("tid", threads)
  end

  local counter = 0
  function request()
    counter = counter + 1
    local body = string.format('{"message": "hello from %d, message %d"}', tid or 0, counter)
    return wrk.format(nil, nil, nil, body)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "errors": %d, "status_errors": %d, '
      .. '"p50_us": %d, "p99_us": %d, "max_us": %d, "stdev_us": %f}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99), latency.max, latency.stdev))
end
