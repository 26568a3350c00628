import Foundation
import EntraDirectory
import JOSE

/// User (delegated) access tokens and ID tokens.
extension TokenMinter {
    /// Entra's user access tokens live a random 60–90 minutes (access-tokens doc); so do ours.
    static func userTokenLifetime() -> Int { randomLifetime(in: 3600...5399) }

    /// Drawn from the pooled secure generator: the system one costs a syscall per token.
    static func randomLifetime(in range: ClosedRange<Int>) -> Int {
        var generator = SecureRandom.Generator()
        return Int.random(in: range, using: &generator)
    }

    /// ID tokens live an hour.
    static let idTokenLifetime = 3600

    /// `sub` is pairwise: the same user gets a different, stable `sub` for each application.
    static func pairwiseSubject(tenantId: String, userId: String, appId: String) -> String {
        Identifiers.opaque("sub", tenantId, userId, appId.lowercased(), length: 43)
    }

    /// A delegated access token for `grant.resource`, on behalf of `user`, held by `client`.
    /// `continuousAccess` lengthens it and adds `xms_cc` for a CAE-capable client and resource.
    /// `profile`: the request asked for the `profile` scope, without which v2 tokens carry neither
    /// `name` nor `preferred_username` (access-token claims reference; msal always asks for it).
    func userAccessToken(client: AuthenticatedClient, user: User, authentication: Authentication, grant: DelegatedGrant,
                         tenant: Tenant, baseURL: String, remoteAddress: String, now: Date, profile: Bool,
                         authenticationContexts: [String] = [],
                         continuousAccess: ContinuousAccess = .none) throws(EntraError) -> MintedToken {
        let resource = grant.resource
        let format = AccessTokenFormat(requestedVersion: resource.requestedAccessTokenVersion)
        let app = client.application
        let lifetime = continuousAccess.userTokenLifetime()
        let times = Lifetime(now: now, seconds: lifetime)
        let uti = Identifiers.tokenId()
        var claims = TokenClaims(
            aud: format == .v2 ? resource.appId : grant.requestedAs,
            iss: format.issuer(tenantId: tenant.id, baseURL: baseURL),
            iat: times.issuedAtSeconds, nbf: times.issuedAtSeconds, exp: times.expirySeconds,
            sub: Self.pairwiseSubject(tenantId: tenant.id, userId: user.id, appId: resource.appId),
            tid: tenant.id, uti: uti, ver: format.version)
        let session = Identifiers.aioAndRH(tenant.id, app.appId, resource.appId, user.id)
        claims.aio = session.aio
        claims.name = format == .v1 || profile ? user.displayName : nil
        claims.oid = user.id
        claims.rh = session.rh
        claims.scp = grant.scopes.joined(separator: " ")
        claims.sid = authentication.sessionId
        claims.acrs = authenticationContexts.isEmpty ? nil : authenticationContexts
        let roles = tenant.appRoles(grantedTo: user.id, on: resource.appId).filter(\.isEnabled).map(\.value)
        claims.roles = roles.isEmpty ? nil : roles
        claims.xms_cc = continuousAccess.claim
        if let agent = app.agentIdentity {
            // An agent identity acting for the user (entra-wire §7.6, "OBO").
            claims.idtyp = "user"
            claims.xms_act_fct = AgentClaims.agentIdentityFacet
            claims.xms_par_app_azp = agent.blueprintAppId
        }
        // The subject is an agent's user account (§7.6, "Agent user"), whoever holds the token.
        if user.agentIdentityAppId != nil { claims.xms_sub_fct = AgentClaims.agentUserFacet }
        switch format {
        case .v1:
            claims.acr = "1"
            claims.amr = authentication.methods
            claims.appid = app.appId
            claims.appidacr = client.method.authenticationContextClass
            claims.family_name = user.surname
            claims.given_name = user.givenName
            claims.ipaddr = remoteAddress
            claims.unique_name = user.userPrincipalName
            claims.upn = user.userPrincipalName
        case .v2:
            claims.azp = app.appId
            claims.azpacr = client.method.authenticationContextClass
            claims.preferred_username = profile ? user.userPrincipalName : nil
        }
        return MintedToken(compact: try sign(json: claims.json, withThumbprint: format == .v1), tokenId: uti, issuedAt: now,
                           notBefore: times.notBefore, expiresAt: times.expiry, lifetime: lifetime)
    }

    /// The ID token: about the user, for the client. Its shape follows the endpoint (v2 or v1).
    func idToken(client: Application, user: User, authentication: Authentication, tenant: Tenant,
                 openIDScopes: [String], nonce: String?, endpoint: TokenEndpointVersion,
                 baseURL: String, now: Date) throws(EntraError) -> MintedToken {
        let scopes = Set(openIDScopes.map { $0.lowercased() })
        let times = Lifetime(now: now, seconds: Self.idTokenLifetime)
        let uti = Identifiers.tokenId()
        // The ID token's shape follows the endpoint, with the same issuers as access tokens.
        let format: AccessTokenFormat = endpoint == .v2 ? .v2 : .v1
        let v2 = format == .v2
        var claims = TokenClaims(
            aud: client.appId,
            iss: format.issuer(tenantId: tenant.id, baseURL: baseURL),
            iat: times.issuedAtSeconds, nbf: times.issuedAtSeconds, exp: times.expirySeconds,
            sub: Self.pairwiseSubject(tenantId: tenant.id, userId: user.id, appId: client.appId),
            tid: tenant.id, uti: uti, ver: format.version)
        claims.oid = user.id
        let session = Identifiers.aioAndRH(tenant.id, client.appId, user.id)
        claims.aio = session.aio
        claims.nonce = nonce
        claims.rh = session.rh
        claims.sid = authentication.sessionId
        // The app roles the user holds (directly or through a group) on the client itself: web apps
        // authorize on the ID token's `roles`.
        let roles = tenant.appRoles(grantedTo: user.id, on: client.appId).map(\.value)
        claims.roles = roles.isEmpty ? nil : roles
        if scopes.contains("email") { claims.email = user.mail }
        if v2 {
            // v2 ID tokens carry the name claims only with the `profile` scope.
            if scopes.contains("profile") {
                claims.name = user.displayName
                claims.preferred_username = user.userPrincipalName
            }
        } else {
            claims.amr = authentication.methods
            claims.family_name = user.surname
            claims.given_name = user.givenName
            claims.name = user.displayName
            claims.unique_name = user.userPrincipalName
            claims.upn = user.userPrincipalName
        }
        return MintedToken(compact: try sign(json: claims.json, withThumbprint: !v2), tokenId: uti, issuedAt: now,
                           notBefore: times.notBefore, expiresAt: times.expiry, lifetime: Self.idTokenLifetime)
    }

    /// `client_info`: base64url of `{"uid":"<oid>","utid":"<tid>"}`; MSAL builds its account id from it.
    static func clientInfo(userId: String, tenantId: String) -> String {
        var writer = JSONObjectWriter(capacity: 96)
        writer.string("uid", userId)
        writer.string("utid", tenantId)
        return Base64URL.encode(writer.finish())
    }
}
