-- wrk script: GET /v1/face-recognition/{id} of ids seeded by make_record.py
-- (b0000000-0000-4000-8000-%012x, 0..N-1), chosen at random. Args: N TOKEN.
dofile(os.getenv("BENCH_DIR") .. "/report.lua")

local n, headers

function init(args)
  n = tonumber(args[1])
  headers = { ["Authorization"] = "Bearer " .. args[2] }
  math.randomseed(os.time() + tid * 7919)
end

function request()
  local path = string.format("/v1/face-recognition/b0000000-0000-4000-8000-%012x",
    math.random(0, n - 1))
  return wrk.format("GET", path, headers)
end
