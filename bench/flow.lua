-- wrk script for bench/run.sh: complete Pre-Fill flows, start → validate →
-- challenge → complete, each step sent after the previous one's answer.
--
-- wrk does not say which connection a response belongs to, so each response
-- queues the flow's next step and the next request() of the thread takes it
-- (or starts a new flow when the queue is empty). Every step carries its
-- correlation id as X-Request-Id, which idv echoes, so a response names its flow.
-- Tokens rotate over many OAuth clients (25 requests/second each); a flow
-- belongs to the project, so any client of it may continue it.
local tokens = {}
for line in io.lines(os.getenv("IDV_BENCH_TOKENS")) do tokens[#tokens + 1] = line end
local i = 0
local queue, head, tail = {}, 1, 0
counts = {}

local function count(k)
  counts[k] = (counts[k] or 0) + 1
end

local function post(path, cid, body)
  i = i + 1
  local h = {
    ["Authorization"] = "Bearer " .. tokens[(i % #tokens) + 1],
    ["Content-Type"] = "application/json",
  }
  if cid then h["X-Request-Id"] = cid end
  return wrk.format("POST", path, h, body)
end

request = function()
  if head <= tail then
    local r = queue[head]
    queue[head] = nil
    head = head + 1
    return r
  end
  return post("/v3/start", nil, '{"flowType":"mobile","phoneNumber":"2001001695"}')
end

local function push(r)
  tail = tail + 1
  queue[tail] = r
end

response = function(status, headers, body)
  if status ~= 200 then
    count("http" .. status)
    return
  end
  local cid = string.match(body, '"correlationId":"([^"]+)"')
  if cid then
    count("start")
    push(post("/v3/validate", cid, '{"correlationId":"' .. cid .. '"}'))
    return
  end
  cid = headers["x-request-id"] or headers["X-Request-Id"]
  if string.find(body, '"v3-challenge"', 1, true) then
    count("validate")
    push(post("/v3/challenge", cid,
      '{"correlationId":"' .. cid .. '","dob":"1981-01","ssn":"0596"}'))
  elseif string.find(body, '"v3-complete"', 1, true) then
    count("challenge")
    push(post("/v3/complete", cid,
      '{"correlationId":"' .. cid .. '","individual":{"firstName":"Tod","lastName":"Weedall"}}'))
  elseif string.find(body, '"identityId"', 1, true) then
    count("complete")
  else
    count("unexpected")
  end
end

local threads = {}
setup = function(thread)
  table.insert(threads, thread)
end

done = function(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for k, n in pairs(t:get("counts")) do total[k] = (total[k] or 0) + n end
  end
  local parts = {}
  for k, n in pairs(total) do parts[#parts + 1] = k .. ":" .. n end
  table.sort(parts)
  local secs = summary.duration / 1e6
  io.write(string.format(
    "RESULT flows=%.1f rps=%.0f p50=%.2f p99=%.2f counts=%s\n",
    (total["complete"] or 0) / secs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    table.concat(parts, ",")))
end
