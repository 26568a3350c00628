-- Refresh token grant (public client "Contoso Desktop", user alice, scenario Scenarios/default.json):
-- every request makes MockEntra mint and RS256-sign one delegated access token for the Contoso API
-- (plus a new opaque refresh token, which costs no signature; no ID token: no `openid` scope).
-- The same refresh token is replayed: MockEntra, like Entra, keeps a used refresh token valid.
-- Environment (set by bench.py after one ROPC sign-in): BENCH_REFRESH_TOKEN
-- wrk URL: https://localhost:PORT/<tenant-id>
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "../common.lua")

bench.form_post("/oauth2/v2.0/token",
  "grant_type=refresh_token"
  .. "&client_id=4e2a8c6f-1d3b-4a5e-9f7c-0b8d6e4a2c1f"
  .. "&refresh_token=" .. bench.env("BENCH_REFRESH_TOKEN")
  .. "&scope=api%3A%2F%2Fcontoso-api%2Faccess_as_user%20offline_access")
