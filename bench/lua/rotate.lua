-- Rotating URLs for wrk: `wrk ... -s rotate.lua BASE -- PATHS_FILE MAX_REQUESTS [HEADER=VALUE]`.
-- Each request takes the next path of PATHS_FILE (one per line); the thread stops after
-- MAX_REQUESTS answers, so a run is bounded in count as well as in time.
local paths = {}
local index = 0
local answered = 0
local max_requests = 0
local headers = {}

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  max_requests = tonumber(args[2]) or 0
  for i = 3, #args do
    local name, value = args[i]:match("^([^=]+)=(.*)$")
    if name then headers[name] = value end
  end
  -- each wrk thread starts at its own offset so threads do not repeat each other
  index = (wrk.thread_id or 0) * 7919
end

function request()
  index = index % #paths + 1
  return wrk.format("GET", paths[index], headers)
end

function response(status, hdrs, body)
  answered = answered + 1
  if max_requests > 0 and answered >= max_requests then
    wrk.thread:stop()
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
