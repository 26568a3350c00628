-- Shared by every benchmark script (loaded with dofile from the scripts next to it).
--
-- What it adds to a plain wrk run:
--   * counts every response whose status is not 200 (wrk itself only counts >= 400),
--     and keeps the first such status and body so a failed run explains itself;
--   * keeps the first 200 body so bench.py can check that real, verifiable tokens
--     (or documents) were served, not fast error pages;
--   * writes one JSON object with the totals to the file named by $BENCH_OUT.
--
-- wrk runs this file once in the main Lua state and once per thread; `wrk.path`
-- starts as the path of the URL given on the command line (e.g. "/<tenant-id>").

bench = {}

function bench.env(name)
  local value = os.getenv(name)
  if value == nil or value == "" then
    error("environment variable " .. name .. " is required by this wrk script")
  end
  return value
end

-- POST an application/x-www-form-urlencoded body to <path of the URL> .. relpath,
-- so one base URL per tenant serves every endpoint.
function bench.form_post(relpath, body, headers)
  wrk.method = "POST"
  wrk.path = (wrk.path:gsub("/+$", "")) .. relpath
  wrk.body = body
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  for name, value in pairs(headers or {}) do
    wrk.headers[name] = value
  end
end

-- Per-thread state lives in globals so that done() can read it with thread:get().
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non200 = 0
  bad_status = 0
  bad_body = ""
  ok_body = ""
end

function response(status, headers, body)
  if status == 200 then
    if ok_body == "" and body then ok_body = body:sub(1, 65536) end
  else
    non200 = non200 + 1
    if bad_status == 0 then
      bad_status = status
      bad_body = (body or ""):sub(1, 2000)
    end
  end
end

local function json_string(s)
  s = s:gsub('[%c"\\]', function(c)
    if c == '"' then return '\\"' end
    if c == "\\" then return "\\\\" end
    return string.format("\\u%04x", c:byte())
  end)
  return '"' .. s .. '"'
end

local function json_object(fields)
  local parts = {}
  for key, value in pairs(fields) do
    local encoded
    if type(value) == "string" then encoded = json_string(value)
    else encoded = string.format("%.17g", value) end
    table.insert(parts, json_string(key) .. ":" .. encoded)
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

function done(summary, latency, requests)
  local result = {
    requests = summary.requests,         -- completed responses, any status
    duration_us = summary.duration,
    bytes = summary.bytes,
    err_connect = summary.errors.connect,
    err_read = summary.errors.read,
    err_write = summary.errors.write,
    err_timeout = summary.errors.timeout,
    latency_mean_us = latency.mean,
    latency_max_us = latency.max,
    latency_p50_us = latency:percentile(50),
    latency_p90_us = latency:percentile(90),
    latency_p99_us = latency:percentile(99),
    non200 = 0,
    bad_status = 0,
    bad_body = "",
    ok_body = "",
  }
  for _, thread in ipairs(threads) do
    result.non200 = result.non200 + (thread:get("non200") or 0)
    local status = thread:get("bad_status") or 0
    if result.bad_status == 0 and status ~= 0 then
      result.bad_status = status
      result.bad_body = thread:get("bad_body") or ""
    end
    if result.ok_body == "" then result.ok_body = thread:get("ok_body") or "" end
  end
  local out = assert(io.open(bench.env("BENCH_OUT"), "w"))
  out:write(json_object(result), "\n")
  out:close()
end
