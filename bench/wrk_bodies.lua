-- wrk script: posts the pre-signed deliveries of VG_BENCH_BODIES in turn.
local sigs, bodies = {}, {}
for line in io.lines(os.getenv("VG_BENCH_BODIES")) do
    local sig, body = line:match("^(%S+) (.*)$")
    sigs[#sigs + 1] = sig
    bodies[#bodies + 1] = body
end
local i = 0
local path = os.getenv("VG_BENCH_PATH") or "/webhooks/meta/demo"
request = function()
    i = i % #bodies + 1
    return wrk.format("POST", path, {["Content-Type"] = "application/json",
                                     ["X-Hub-Signature-256"] = sigs[i]}, bodies[i])
end
