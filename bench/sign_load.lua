-- wrk script of bench/sign_load.py: signs the bench action through the JSON endpoint.
--
-- Each wrk thread owns one connection, so a response belongs to the thread's last request:
-- the thread records which signer got a 2xx. Signers are new (email sign-<run>-<id>@
-- example.net, half with a mobile) or, for a share of requests, a repeat of an earlier
-- signer of the thread. Every request carries its own Idempotency-Key. done() writes the
-- figures and the accepted signer ids to SIGN_LOAD_OUT for the Python side to check.
-- With SIGN_LOAD_MODE=bare it only GETs /bench/bare (the baseline).

local run = os.getenv("SIGN_LOAD_RUN")
local key = os.getenv("SIGN_LOAD_KEY")
local out = os.getenv("SIGN_LOAD_OUT")
local nthreads = tonumber(os.getenv("SIGN_LOAD_THREADS"))
local repeat_share = tonumber(os.getenv("SIGN_LOAD_REPEAT") or "0.2")
local mobile_base = tonumber(os.getenv("SIGN_LOAD_MOBILE_BASE") or "0")
local consent_share = tonumber(os.getenv("SIGN_LOAD_CONSENT") or "0")
local bare = os.getenv("SIGN_LOAD_MODE") == "bare"
local postcodes = {"21145", "11122", "41301", "90325", "75320", "22100", "58183", "97231"}
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(7919 * (tid + 1))
  issued = {}
  accepted = {}
  refused = 0
  statuses = {}
  sent = 0
  pending = -1
end

local function mobile_of(id)
  if id % 2 == 1 then
    return "null"
  end
  return string.format('"+4673%07d"', (mobile_base + id) % 10000000)
end

function request()
  sent = sent + 1
  if bare then
    pending = -1
    return wrk.format("GET", "/bench/bare")
  end
  local id
  if #issued > 0 and math.random() < repeat_share then
    id = issued[math.random(#issued)]
  else
    id = tid + nthreads * #issued
    issued[#issued + 1] = id
  end
  pending = id
  local consents = "[]"
  if math.random() < consent_share then
    consents = '["email_news"]'
  end
  local body = string.format(
    '{"first_name":"Signe","last_name":"Test %d","email":"sign-%s-%d@example.net",' ..
    '"mobile":%s,"postcode":"%s","birth_year":%d,"consents":%s,"named":%s,"language":"%s",' ..
    '"tracking_token":"bench-%s"}',
    id, run, id, mobile_of(id), postcodes[id % #postcodes + 1], 1950 + id % 58, consents,
    tostring(id % 3 == 0), (id % 4 == 0) and "en" or "sv", run)
  local headers = {
    ["Authorization"] = "Bearer " .. key,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = string.format("%s-%d-%d", run, tid, sent),
  }
  return wrk.format("POST", nil, headers, body)
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    accepted[#accepted + 1] = pending
  else
    refused = refused + 1
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local f = assert(io.open(out, "w"))
  local e = summary.errors
  f:write(string.format(
    "summary %d %d %d %d %d %d %d %d %d %d\n",
    summary.duration, summary.requests, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50.0), latency:percentile(99.0), latency.max))
  for _, t in ipairs(threads) do
    f:write(string.format("thread %d %d\n", t:get("sent"), t:get("refused")))
    for status, count in pairs(t:get("statuses")) do
      f:write(string.format("status %d %d\n", status, count))
    end
    local ids = t:get("accepted")
    for i = 1, #ids do
      f:write(ids[i], "\n")
    end
  end
  f:close()
end
