-- wrk script: POST /v1/face-recognition with a fresh UUID per request (every request is a
-- create, answered 201). Args: BODY_FILE TOKEN.
-- The id is unique without relying on the RNG: a random run prefix, the thread number and a
-- per-thread counter.
dofile(os.getenv("BENCH_DIR") .. "/report.lua")

local prefix, suffix, token
local counter = 0

function init(args)
  local f = assert(io.open(args[1], "r"))
  local body = f:read("*a")
  f:close()
  local i, j = body:find("00000000-0000-4000-8000-000000000000", 1, true)
  assert(i, "placeholder id not in body")
  prefix, suffix = body:sub(1, i - 1), body:sub(j + 1)
  token = args[2]
  math.randomseed(os.time() + tid * 7919)
  run = math.random(0, 0xffffff)
end

function request()
  counter = counter + 1
  local id = string.format("%06x%02x-%04x-4%03x-8%03x-%012x", run, tid % 256,
    math.random(0, 0xffff), math.random(0, 0xfff), math.random(0, 0xfff), counter)
  return wrk.format("POST", "/v1/face-recognition", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
  }, prefix .. id .. suffix)
end
