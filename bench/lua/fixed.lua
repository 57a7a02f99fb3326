-- One fixed URL for wrk, optional headers: `wrk ... -s fixed.lua URL -- [HEADER=VALUE ...]`.
-- No response() hook, so wrk's own overhead stays minimal for the fastest endpoints.
function init(args)
  for i = 1, #args do
    local name, value = args[i]:match("^([^=]+)=(.*)$")
    if name then wrk.headers[name] = value end
  end
end

function done(summary, latency, requests)
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p99_us": %d, '
      .. '"errors_connect": %d, "errors_read": %d, "errors_write": %d, "errors_status": %d, '
      .. '"errors_timeout": %d}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50),
    latency:percentile(99), summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout))
end
