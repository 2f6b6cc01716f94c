-- wrk script: POST /v1/scan with a 1 KB prompt with sparse PII (one email, one phone),
-- testdata/samples/prompt-1k.txt, also used by the criterion bench `server`.
-- Usage (from the repository root):
--   wrk -t1 -c64 -d20s --latency -s benches/http/scan.lua http://127.0.0.1:8080
local file = assert(io.open("testdata/samples/prompt-1k.txt", "r"))
local prompt = file:read("*l")
file:close()
wrk.method = "POST"
wrk.path = "/v1/scan"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"text": "' .. prompt .. '"}'
