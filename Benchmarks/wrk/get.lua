-- Plain GET of the URL given to wrk (discovery document, JWKS, ...), with the
-- status counting and JSON summary of common.lua.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
