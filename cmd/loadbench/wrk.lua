-- wrk script for scripts/bench.sh. Every request carries the session cookie
-- as a signed-in browser sends it:
--   TOKEN_FILE=f   the same token on every request (first line of f)
--   TOKENS_FILE=f  the next token of f on every request, round robin
-- done() prints one machine-readable RESULT line.
local tokens = {}
local i = 0

local single = os.getenv("TOKEN_FILE")
if single then
  local f = assert(io.open(single))
  wrk.headers["Cookie"] = "theme=dark; hanko=" .. f:read("*l")
  f:close()
end

local many = os.getenv("TOKENS_FILE")
if many then
  for line in io.lines(many) do
    if #line > 0 then tokens[#tokens + 1] = line end
  end
  function request()
    i = i % #tokens + 1
    return wrk.format(nil, nil, { ["Cookie"] = "theme=dark; hanko=" .. tokens[i] })
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d socket_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
