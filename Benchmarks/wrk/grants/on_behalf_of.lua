-- On-Behalf-Of (jwt-bearer) grant: the Contoso API, authenticating with its client secret,
-- exchanges alice's access token for a Microsoft Graph User.Read token (scenario
-- Scenarios/default.json). Every request makes MockEntra verify the assertion's RS256
-- signature and mint and RS256-sign one access token.
-- Environment (set by bench.py after one ROPC sign-in): BENCH_USER_ASSERTION, alice's access
-- token for api://contoso-api (it lives at least 60 minutes, far longer than a run)
-- wrk URL: https://localhost:PORT/<tenant-id>
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "../common.lua")

bench.form_post("/oauth2/v2.0/token",
  "grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer"
  .. "&requested_token_use=on_behalf_of"
  .. "&client_id=6a0c3e8f-5d2b-4b7e-8f1a-9c3d2e1b0a4f"
  .. "&client_secret=contoso-api-secret"
  .. "&assertion=" .. bench.env("BENCH_USER_ASSERTION")
  .. "&scope=https%3A%2F%2Fgraph.microsoft.com%2FUser.Read")
