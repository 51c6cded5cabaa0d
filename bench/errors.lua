-- wrk script for bench/run.sh, error paths. IDV_BENCH_MODE:
--   noauth  POST /v3/start without Authorization (401 / 8002)
--   badauth POST /v3/start with a bearer token idv never issued (401 / 8002)
--   big     POST /v3/start, a 5,000-byte body, valid tokens rotated over many
--           clients so the rate limit is not hit (400 / 8001)
--   hammer  POST /v3/start, one client's token only (429 / 8018 after the burst)
-- The same script drives the bare app, which ignores the request.
local tokens = {}
local path = os.getenv("IDV_BENCH_TOKENS")
if path then
  for line in io.lines(path) do tokens[#tokens + 1] = line end
end
local mode = os.getenv("IDV_BENCH_MODE") or "noauth"
local small = '{"flowType":"mobile","phoneNumber":"2001001695"}'
local big = '{"flowType":"mobile","phoneNumber":"2001001695","pad":"' .. string.rep("x", 4940) .. '"}'
local i = 0
counts = {}

request = function()
  i = i + 1
  local h = {["Content-Type"] = "application/json"}
  local body = small
  if mode == "badauth" then
    h["Authorization"] = "Bearer not-a-token-idv-issued-0123456789abcdef"
  elseif mode == "big" then
    h["Authorization"] = "Bearer " .. tokens[(i % #tokens) + 1]
    body = big
  elseif mode == "hammer" then
    h["Authorization"] = "Bearer " .. tokens[1]
  end
  return wrk.format("POST", "/v3/start", h, body)
end

response = function(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

local threads = {}
setup = function(thread)
  table.insert(threads, thread)
end

done = function(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("counts")) do
      total[status] = (total[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(total) do
    parts[#parts + 1] = status .. ":" .. n
  end
  table.sort(parts)
  io.write(string.format("RESULT rps=%.0f p50=%.2f p99=%.2f statuses=%s\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    table.concat(parts, ",")))
end
