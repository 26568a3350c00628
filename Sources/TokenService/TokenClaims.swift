import Foundation
import JOSE

/// The two access-token shapes. The *resource* decides (its `requestedAccessTokenVersion`), not the
/// endpoint the client called (entra-wire §4.1).
enum AccessTokenFormat: Sendable {
    case v1, v2

    init(requestedVersion: Int?) {
        self = requestedVersion == 2 ? .v2 : .v1
    }

    var version: String { self == .v2 ? "2.0" : "1.0" }

    /// v1 tokens are issued by `https://sts.windows.net/{tid}/` whatever host was called, as in
    /// Entra; v2 tokens by the host the client used, so they match its discovery document.
    func issuer(tenantId: String, baseURL: String) -> String {
        self == .v2 ? "\(baseURL)/\(tenantId)/v2.0" : "https://sts.windows.net/\(tenantId)/"
    }
}

/// Every claim an access token or ID token may carry; nil claims are left out. Written in Entra's
/// order (`aud iss iat nbf exp`, then alphabetical) with `JSONObjectWriter`: byte-stable from run to
/// run, and a few microseconds cheaper per token than JSONEncoder.
struct TokenClaims: Sendable {
    var aud: String
    var iss: String
    var iat: Int
    var nbf: Int
    var exp: Int
    var acr: String?
    /// Satisfied authentication contexts (`["c1"]`), an array (entra-wire §3.4).
    var acrs: [String]?
    var aio: String?
    var amr: [String]?
    var app_displayname: String?
    var appid: String?
    var appidacr: String?
    var azp: String?
    var azpacr: String?
    var email: String?
    var family_name: String?
    var given_name: String?
    var idp: String?
    var idtyp: String?
    var ipaddr: String?
    var name: String?
    var nonce: String?
    var oid: String?
    var preferred_username: String?
    var rh: String?
    var roles: [String]?
    var scp: String?
    var sid: String?
    var sub: String
    var tid: String
    var unique_name: String?
    var upn: String?
    var uti: String
    var ver: String
    /// Client capabilities (`["CP1"]`) for resources that ask for them (continuous access evaluation).
    var xms_cc: [String]?
    /// A managed identity's ARM resource id.
    var xms_mirid: String?
    /// Agent ID (entra-wire §7.6): actor and subject facets ("11" = agent identity), the identity
    /// relation ("7" = service principal) and the blueprint's appId.
    var xms_act_fct: String?
    var xms_sub_fct: String?
    var xms_idrel: String?
    var xms_par_app_azp: String?

    init(aud: String, iss: String, iat: Int, nbf: Int, exp: Int, sub: String, tid: String, uti: String, ver: String) {
        self.aud = aud
        self.iss = iss
        self.iat = iat
        self.nbf = nbf
        self.exp = exp
        self.sub = sub
        self.tid = tid
        self.uti = uti
        self.ver = ver
    }

    var json: [UInt8] {
        var writer = JSONObjectWriter(capacity: 1024)
        writer.string("aud", aud)
        writer.string("iss", iss)
        writer.integer("iat", iat)
        writer.integer("nbf", nbf)
        writer.integer("exp", exp)
        writer.string("acr", acr)
        writer.strings("acrs", acrs)
        writer.string("aio", aio)
        writer.strings("amr", amr)
        writer.string("app_displayname", app_displayname)
        writer.string("appid", appid)
        writer.string("appidacr", appidacr)
        writer.string("azp", azp)
        writer.string("azpacr", azpacr)
        writer.string("email", email)
        writer.string("family_name", family_name)
        writer.string("given_name", given_name)
        writer.string("idp", idp)
        writer.string("idtyp", idtyp)
        writer.string("ipaddr", ipaddr)
        writer.string("name", name)
        writer.string("nonce", nonce)
        writer.string("oid", oid)
        writer.string("preferred_username", preferred_username)
        writer.string("rh", rh)
        writer.strings("roles", roles)
        writer.string("scp", scp)
        writer.string("sid", sid)
        writer.string("sub", sub)
        writer.string("tid", tid)
        writer.string("unique_name", unique_name)
        writer.string("upn", upn)
        writer.string("uti", uti)
        writer.string("ver", ver)
        writer.strings("xms_cc", xms_cc)
        writer.string("xms_mirid", xms_mirid)
        writer.string("xms_act_fct", xms_act_fct)
        writer.string("xms_sub_fct", xms_sub_fct)
        writer.string("xms_idrel", xms_idrel)
        writer.string("xms_par_app_azp", xms_par_app_azp)
        return writer.finish()
    }
}
