import Foundation
import EntraDirectory
import JOSE

/// A signed token and the facts the exchange record and the response need.
struct MintedToken: Sendable {
    let compact: String
    let tokenId: String
    let issuedAt: Date
    let notBefore: Date
    let expiresAt: Date
    let lifetime: Int
}

/// Builds and signs access tokens. Values in, a signed JWT out.
struct TokenMinter: Sendable {
    /// Entra backdates `iat`/`nbf` by five minutes to absorb clock skew at resources
    /// (real tokens show `exp - iat` = lifetime + 300 s).
    static let backdating: TimeInterval = 300
    /// App-only tokens live an hour; Entra answers `expires_in: 3599`.
    static let appTokenLifetime = 3599

    let keys: KeyRing

    /// An app-only token (client credentials): the client's service principal is the subject.
    /// `continuousAccess` lengthens it and adds `xms_cc` for a CAE-capable client and resource.
    /// `subject` replaces the service principal as `sub` (a blueprint's exchange token for an agent).
    func appToken(client: AuthenticatedClient, resource: Application, audience: String, roles: [String],
                  tenant: Tenant, baseURL: String, now: Date, subject: String? = nil,
                  continuousAccess: ContinuousAccess = .none) throws(EntraError) -> MintedToken {
        let format = AccessTokenFormat(requestedVersion: resource.requestedAccessTokenVersion)
        let app = client.application
        let lifetime = continuousAccess.appTokenLifetime
        let times = Lifetime(now: now, seconds: lifetime)
        let uti = Identifiers.tokenId()
        var claims = TokenClaims(
            aud: format == .v2 ? resource.appId : audience,
            iss: format.issuer(tenantId: tenant.id, baseURL: baseURL),
            iat: times.issuedAtSeconds, nbf: times.issuedAtSeconds, exp: times.expirySeconds,
            sub: subject ?? app.servicePrincipalId, tid: tenant.id, uti: uti, ver: format.version)
        let session = Identifiers.aioAndRH(tenant.id, app.appId, resource.appId)
        claims.aio = session.aio
        // An optional claim (optional-claims doc): Microsoft's own APIs ask for it, a scenario API
        // only when its `optionalClaims.accessToken` lists `idtyp`.
        claims.idtyp = resource.isBuiltIn || resource.optionalClaims.accessTokenRequests("idtyp") ? "app" : nil
        if let agent = app.agentIdentity {
            // An agent identity acting on its own (entra-wire §7.6, "autonomous").
            claims.idtyp = "app"
            claims.xms_act_fct = AgentClaims.agentIdentityFacet
            claims.xms_sub_fct = AgentClaims.agentIdentityFacet
            claims.xms_idrel = AgentClaims.servicePrincipalRelation
            claims.xms_par_app_azp = agent.blueprintAppId
        }
        claims.oid = app.servicePrincipalId
        claims.rh = session.rh
        claims.roles = roles.isEmpty ? nil : roles
        claims.xms_cc = continuousAccess.claim
        claims.xms_mirid = app.managedIdentity?.resourceId
        switch format {
        case .v1:
            claims.appid = app.appId
            claims.appidacr = client.method.authenticationContextClass
            claims.idp = "https://sts.windows.net/\(tenant.id)/"
        case .v2:
            claims.azp = app.appId
            claims.azpacr = client.method.authenticationContextClass
        }
        return MintedToken(compact: try sign(json: claims.json, withThumbprint: format == .v1), tokenId: uti,
                           issuedAt: now, notBefore: times.notBefore, expiresAt: times.expiry,
                           lifetime: lifetime)
    }

    /// Signs with the active key; v1 tokens carry `x5t` in their header beside `kid`.
    func sign(json: [UInt8], withThumbprint: Bool) throws(EntraError) -> String {
        do {
            return try keys.signToken(json: json, withThumbprint: withThumbprint)
        } catch {
            throw .signingFailed(String(describing: error))
        }
    }
}

/// Agent ID claim values (entra-wire §7.6).
enum AgentClaims {
    static let agentIdentityFacet = "11"
    /// The facet of an agent's user account (AgentIDUser).
    static let agentUserFacet = "13"
    static let servicePrincipalRelation = "7"
}

/// `iat`/`nbf` backdated, `exp` from now, as whole seconds.
struct Lifetime: Sendable {
    let notBefore: Date
    let expiry: Date

    init(now: Date, seconds: Int) {
        notBefore = now.addingTimeInterval(-TokenMinter.backdating)
        expiry = now.addingTimeInterval(TimeInterval(seconds))
    }

    var issuedAtSeconds: Int { Int(notBefore.timeIntervalSince1970) }
    var expirySeconds: Int { Int(expiry.timeIntervalSince1970) }
}

extension EntraError {
    /// 50000: Entra's generic service error. Only a broken signing key leads here.
    static func signingFailed(_ reason: String) -> EntraError {
        EntraError(error: "temporarily_unavailable", code: 50000,
                   message: "There was an error issuing a token or an issue with our sign-in service. \(reason)")
    }
}
