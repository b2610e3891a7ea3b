-- load.lua: the request bodies of the bench, for wrk.
--
--   wrk -t1 -c32 -d10s -s tests/bench/load.lua http://127.0.0.1:PORT -- MODE
--
-- MODE: one          the same error event in every request (POST /v1/events)
--       distinct     10,000 distinct errors in turn: code, route and message vary
--       ndjson       batches of 1,000 events, application/x-ndjson
--       am-one       Alertmanager: one alert per POST /api/v2/alerts, always the same
--       am-distinct  Alertmanager: 10,000 distinct alerts in turn
-- Every request is formatted once in init(), so wrk's own cost is the same for every server.

local DISTINCT = 10000
local BATCH = 1000

-- The bench's error event (about 450 bytes, shaped like CONTRACT section 3's example).
local function event(i)
  return string.format(
    '{"service":"payment-api","environment":"prod","host":"web-3","severity":"error",' ..
    '"code":"FEP-SEC-%05d","status":502,"message":"upstream call failed #%d",' ..
    '"detail":"feign.FeignException$BadGateway: [502 Bad Gateway]",' ..
    '"request":{"method":"POST","path":"/v1/users/48213/embeddings/v%d",' ..
    '"params":{"model":"m","password":"hunter2"},"client_ip":"10.0.0.7"},' ..
    '"exception":{"type":"feign.FeignException$BadGateway"},' ..
    '"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}',
    i, i, i)
end

-- The same error as an Alertmanager alert (API v2: a JSON array of alerts).
local function alert(i)
  return string.format(
    '[{"labels":{"alertname":"ApiError","service":"payment-api","code":"FEP-SEC-%05d",' ..
    '"route":"/v1/users/{id}/embeddings/v%d"},' ..
    '"annotations":{"message":"upstream call failed #%d"}}]',
    i, i, i)
end

local requests = {}
local next_request = 1

function init(args)
  local mode = args[1] or "one"
  local json = { ["Content-Type"] = "application/json" }
  local function post(path, body, headers)
    return wrk.format("POST", path, headers or json, body)
  end
  if mode == "one" then
    requests[1] = post("/v1/events", event(0))
  elseif mode == "distinct" then
    for i = 0, DISTINCT - 1 do requests[#requests + 1] = post("/v1/events", event(i)) end
  elseif mode == "ndjson" then
    local lines = {}
    for i = 0, BATCH - 1 do lines[#lines + 1] = event(i) end
    requests[1] = post("/v1/events", table.concat(lines, "\n") .. "\n",
                       { ["Content-Type"] = "application/x-ndjson" })
  elseif mode == "am-one" then
    requests[1] = post("/api/v2/alerts", alert(0))
  elseif mode == "am-distinct" then
    for i = 0, DISTINCT - 1 do requests[#requests + 1] = post("/api/v2/alerts", alert(i)) end
  else
    error("unknown mode " .. mode)
  end
end

function request()
  local r = requests[next_request]
  next_request = next_request % #requests + 1
  return r
end
