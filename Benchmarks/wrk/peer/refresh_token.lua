-- Refresh token grant against the peer oidc-provider-mock (its only grant a load
-- generator can replay: it does not rotate or revoke refresh tokens; authorization
-- codes are single-use). It answers with an opaque random access token: no JWT,
-- no signature. Its refresh grant only accepts client_secret_basic.
-- Environment (set by bench.py after an authorization-code round trip):
--   BENCH_REFRESH_TOKEN, BENCH_BASIC_AUTH (base64 of client_id:client_secret)
-- wrk URL: http://127.0.0.1:PORT/
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "../common.lua")

bench.form_post("/oauth2/token",
  "grant_type=refresh_token&refresh_token=" .. bench.env("BENCH_REFRESH_TOKEN"),
  { Authorization = "Basic " .. bench.env("BENCH_BASIC_AUTH") })
