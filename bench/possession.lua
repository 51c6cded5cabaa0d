-- wrk script for bench/possession.sh: rotates over many OAuth clients' tokens
-- (the rate limit is 25 requests/second per client) and counts statuses.
local tokens = {}
for line in io.lines(os.getenv("IDV_BENCH_TOKENS")) do
  tokens[#tokens + 1] = line
end
local mode = os.getenv("IDV_BENCH_MODE") or "start"
local i = 0
counts = {}

request = function()
  i = i + 1
  local t = tokens[(i % #tokens) + 1]
  if mode == "start" then
    return wrk.format("POST", "/v3/start",
      {["Authorization"] = "Bearer " .. t, ["Content-Type"] = "application/json"},
      '{"flowType":"mobile","phoneNumber":"2001001695"}')
  end
  return wrk.format("GET", "/v3/identity/unknown", {["Authorization"] = "Bearer " .. t})
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
    parts[#parts + 1] = status .. ": " .. n
  end
  table.sort(parts)
  io.write("statuses: " .. table.concat(parts, ", ") .. "\n")
  io.write(string.format("latency p50 %.2f ms, p99 %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
