-- wrk script of benchmarks/api_bench.py: one request shape per run, chosen by environment.
--
--   CP_MODE     get (GET CP_PATH, "{user}" replaced by a user of CP_USERS) or
--               checkin (POST /v1/checkins for the next user of CP_USERS, a new
--               Idempotency-Key per request)
--   CP_KEY      the partner API key (Authorization: Bearer ...); empty: none
--   CP_PATH     the GET path template, e.g. /v1/recommendations?user_id={user}&n=10
--   CP_USERS    a file of native user ids, one per line; each thread walks it from its
--               own offset, so the first pass checks every user in once
--   CP_RUN      a prefix that makes this run's user ids and idempotency keys unique
--   CP_RATE     requests per second for the whole run (0: as fast as the connections go)
--   CP_THREADS  wrk's -t (the rate is shared among the threads)
--   CP_POINTS   a Lua pattern capturing the points of each award a 2xx check-in answer
--               says this request wrote (summed as "points")
--
-- Pacing (CP_RATE > 0) is a schedule, not a think time: each request claims the next
-- slot of its thread's schedule (start + k / rate) and waits only until that slot, so a
-- slow server faces the same offered rate (as far as the connections allow) instead of a
-- politely slower client. At the end each thread's counts are summed and printed as one
-- JSON line starting with "CPBENCH ", which the harness reads. "sent" counts requests
-- written; those without an answer when wrk stops (still in flight) are sent - answered.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_usec; } cp_timeval;
  int gettimeofday(cp_timeval *tv, void *tz);
]]
local tv = ffi.new("cp_timeval")
local function now_ms()
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) * 1000 + tonumber(tv.tv_usec) / 1000
end

local mode = os.getenv("CP_MODE") or "get"
local api_key = os.getenv("CP_KEY") or ""
local path = os.getenv("CP_PATH") or "/healthz"
local users_file = os.getenv("CP_USERS") or ""
local run = os.getenv("CP_RUN") or "run"
local rate = tonumber(os.getenv("CP_RATE") or "0") or 0
local nthreads = tonumber(os.getenv("CP_THREADS") or "1") or 1
local points_pattern = os.getenv("CP_POINTS") or '"points"%s*:%s*(%d+)'

local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  sent = 0
  statuses = {}
  points = 0
  acked = 0
  eligible = 0
  samples = {}
  users = {}
  if users_file ~= "" then
    for line in io.lines(users_file) do
      if line ~= "" then table.insert(users, line) end
    end
  end
  base_headers = {}
  if api_key ~= "" then base_headers["Authorization"] = "Bearer " .. api_key end
  base_headers["Accept"] = "application/json"
  per_thread_ms = 0
  if rate > 0 then per_thread_ms = 1000.0 * nthreads / rate end
  first_slot = nil
end

local function next_user()
  if #users == 0 then return string.format("%s-%d-%d", run, tid, sent) end
  if mode == "checkin" then  -- in order from the thread's offset: all once, then again
    return users[((sent - 1 + (tid - 1) * math.floor(#users / nthreads)) % #users) + 1]
  end
  return users[((sent * 7919 + tid * 104729) % #users) + 1]
end

function request()
  sent = sent + 1
  local user = next_user()
  if mode == "checkin" then
    local headers = {}
    for k, v in pairs(base_headers) do headers[k] = v end
    headers["Content-Type"] = "application/json"
    headers["Idempotency-Key"] = string.format("bench-%s-%d-%d", run, tid, sent)
    return wrk.format("POST", "/v1/checkins", headers, '{"user_id":"' .. user .. '"}')
  end
  return wrk.format("GET", string.gsub(path, "{user}", user), base_headers)
end

if rate > 0 then
  local claimed = 0
  function delay()
    local t = now_ms()
    if first_slot == nil then first_slot = t end
    local slot = first_slot + claimed * per_thread_ms
    claimed = claimed + 1
    if slot <= t then return 0 end
    return math.floor(slot - t)
  end
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status >= 300 and samples[status] == nil then  -- the first answer of each refusal
    samples[status] = string.sub(body or "", 1, 400)
  end
  if mode == "checkin" and status >= 200 and status < 300 then
    acked = acked + 1
    if string.find(body or "", '"eligible":true', 1, true) then eligible = eligible + 1 end
    for p in string.gmatch(body or "", points_pattern) do
      points = points + tonumber(p)
    end
  end
end

local function json_string(text)
  return '"' .. string.gsub(text, '[%c"\\]', function(c)
    return string.format("\\u%04x", string.byte(c))
  end) .. '"'
end

local function json_counts(t)
  local parts = {}
  for k, v in pairs(t) do table.insert(parts, string.format('"%s":%d', tostring(k), v)) end
  return "{" .. table.concat(parts, ",") .. "}"
end

function done(summary, latency, requests)
  local total_statuses, total_points, total_acked, total_eligible, total_sent = {}, 0, 0, 0, 0
  local total_samples = {}
  for _, thread in ipairs(threads) do
    local st = thread:get("statuses") or {}
    for k, v in pairs(st) do total_statuses[k] = (total_statuses[k] or 0) + v end
    total_points = total_points + (thread:get("points") or 0)
    total_acked = total_acked + (thread:get("acked") or 0)
    total_eligible = total_eligible + (thread:get("eligible") or 0)
    total_sent = total_sent + (thread:get("sent") or 0)
    for k, v in pairs(thread:get("samples") or {}) do total_samples[k] = v end
  end
  local sample_parts = {}
  for k, v in pairs(total_samples) do
    table.insert(sample_parts, string.format('"%s":%s', tostring(k), json_string(v)))
  end
  local e = summary.errors
  io.write(string.format(
    'CPBENCH {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d},' ..
    '"statuses":%s,"sent":%d,"acked":%d,"eligible":%d,"points":%d,"samples":{%s}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max,
    json_counts(total_statuses), total_sent, total_acked, total_eligible, total_points,
    table.concat(sample_parts, ",")))
end
