-- wrk script: POST /submissions with a different valid Russian mobile number each time.
local token = os.getenv("BENCH_TOKEN")
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
request = function()
  local n = string.format("+7 9%02d %03d-%02d-%02d", math.random(0, 99), math.random(0, 999),
                          math.random(0, 99), math.random(0, 99))
  local body = '{"form_id":"callback","token":"' .. token .. '","phone":"' .. n ..
    '","consents":{"service_sms":true,"marketing_sms":false},"hp":"","elapsed_ms":5000,' ..
    '"source":{"page_url":"http://127.0.0.1/product/kettle?utm_source=bench&utm_campaign=load"}}'
  return wrk.format("POST", "/phonecapture/api/v1/submissions", {["Content-Type"] = "application/json"}, body)
end
