-- Client credentials grant (daemon app with a shared secret, scenario Scenarios/default.json):
-- every request makes MockEntra mint and RS256-sign one app-only access token.
-- wrk URL: https://localhost:PORT/<tenant-id>
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "../common.lua")

bench.form_post("/oauth2/v2.0/token",
  "client_id=2d6f6a9c-3b8e-4f1a-9c2d-7e5b4a3f1c0d"
  .. "&client_secret=contoso-daemon-secret"
  .. "&grant_type=client_credentials"
  .. "&scope=api%3A%2F%2Fcontoso-api%2F.default")
