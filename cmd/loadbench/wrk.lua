-- wrk script for scripts/bench.sh. Every request carries the session cookie
-- as a signed-in browser sends it:
--   TOKEN_FILE=f   the same token on every request (first line of f)
--   TOKENS_FILE=f  the next token of f on every request, round robin
--   COUNT_STATUS=1 also count the 401 and 503 answers (run with -t1)
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

local threads = {}
function setup(thread) table.insert(threads, thread) end

if os.getenv("COUNT_STATUS") then
  s401, s503 = 0, 0
  function response(status, headers, body)
    if status == 401 then s401 = s401 + 1 elseif status == 503 then s503 = s503 + 1 end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local c401, c503 = 0, 0
  for _, t in ipairs(threads) do
    c401 = c401 + (t:get("s401") or 0)
    c503 = c503 + (t:get("s503") or 0)
  end
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d socket_errors=%d s401=%d s503=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout, c401, c503))
end
