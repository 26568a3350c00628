import Foundation
import EntraDirectory
import JOSE

/// How the client proved who it is; recorded in the exchange log and mapped to `appidacr`/`azpacr`.
public enum ClientAuthenticationMethod: String, Sendable, Codable {
    case none
    case clientSecretPost = "client_secret_post"
    case clientSecretBasic = "client_secret_basic"
    case privateKeyJWT = "private_key_jwt"
    /// A managed identity at the IMDS or App Service endpoint: Azure holds its credential.
    case managedIdentity = "managed_identity"
    /// A token from another issuer, trusted through a federated identity credential.
    case federatedCredential = "federated_credential"

    /// `appidacr` / `azpacr`: "0" public client, "1" secret, "2" certificate.
    public var authenticationContextClass: String {
        switch self {
        case .none: return "0"
        case .clientSecretPost, .clientSecretBasic: return "1"
        case .privateKeyJWT, .managedIdentity, .federatedCredential: return "2"
        }
    }
}

/// A client whose identity has been established for this request.
struct AuthenticatedClient: Sendable {
    let application: Application
    let method: ClientAuthenticationMethod
}

/// Client authentication at the token endpoint: a secret (body or Basic), a certificate-signed
/// assertion, or nothing for a public client. Every failure is the AADSTS error Entra gives.
struct ClientAuthenticator: Sendable {
    static let jwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

    /// The client id from the body, or from the Basic header when the body has none.
    static func clientId(_ parameters: RequestParameters, basic: BasicCredentials?) throws(EntraError) -> String {
        if let id = parameters.optional("client_id") { return id }
        if let basic, !basic.clientId.isEmpty { return basic.clientId }
        throw .missingParameter("client_id")
    }

    /// Finds the application behind `clientId` in `tenant`, refusing malformed, unknown and disabled ones.
    static func application(_ clientId: String, in tenant: Tenant) throws(EntraError) -> Application {
        guard Identifiers.isGUID(clientId) else { throw .invalidApplicationIdentifier(clientId) }
        guard let application = tenant.application(appId: clientId) else {
            throw .applicationNotFound(clientId, tenantName: tenant.displayName)
        }
        guard application.accountEnabled else {
            throw .applicationDisabled(appId: application.appId, name: application.displayName)
        }
        return application
    }

    /// Authenticates the client. `requireCredential` is true for grants only confidential clients
    /// may use (client credentials, OBO) and for a code sent to a web redirect URI (and its refresh
    /// tokens); otherwise a public client may present nothing.
    /// `publicFlow`: the request belongs to a public-client flow (a code sent to a `spa` or
    /// mobile/desktop redirect URI, or a refresh token such a flow produced), where a client
    /// without a credential is expected even if the app is not marked as a fallback public client,
    /// and one with a credential is refused (700025).
    static func authenticate(_ parameters: RequestParameters, basic: BasicCredentials?, tenant: Tenant,
                             allowedAudiences: @autoclosure () -> Set<String>, federation: FederationTrust, now: Date,
                             requireCredential: Bool, publicFlow: Bool = false) throws(EntraError) -> AuthenticatedClient {
        let clientId = try clientId(parameters, basic: basic)
        let application = try application(clientId, in: tenant)
        if let basic, basic.clientId.lowercased() != clientId.lowercased() {
            throw .conflictingClientCredentials()
        }

        let bodySecret = parameters.optional("client_secret")
        let assertion = parameters.optional("client_assertion")
        let presented = (bodySecret != nil ? 1 : 0) + (basic != nil ? 1 : 0) + (assertion != nil ? 1 : 0)
        if presented > 1 { throw .conflictingClientCredentials() }
        // Entra decides public or confidential from the flow, not from what the client sends: a
        // public client's credential is refused before it is checked (reference: entra-wire.md).
        if publicFlow && presented > 0 { throw .publicClientPresentedCredential() }

        if let secret = bodySecret ?? basic?.secret {
            try verifySecret(secret, of: application, now: now)
            return AuthenticatedClient(application: application, method: bodySecret != nil ? .clientSecretPost : .clientSecretBasic)
        }
        if let assertion {
            let type = parameters.optional("client_assertion_type") ?? ""
            guard type == jwtBearerAssertionType else {
                if type.isEmpty { throw .missingParameter("client_assertion_type") }
                throw .unsupportedAssertionType(type)
            }
            let jwt: JWT
            do { jwt = try JWT.decode(assertion) } catch { throw .malformedJWT(String(describing: error)) }
            // An assertion the client did not issue itself is a federated credential's token, for an
            // app that has any (for one without, the certificate rules answer, as before federation).
            if !application.federatedIdentityCredentials.isEmpty,
               jwt.payload["iss"]?.stringValue?.lowercased() != application.appId.lowercased() {
                try FederatedAssertionValidator(application: application, trust: federation, now: now).validate(jwt)
                return AuthenticatedClient(application: application, method: .federatedCredential)
            }
            // Built only here: most clients use a secret, and the audience set costs a dozen Strings.
            try ClientAssertionValidator(application: application, allowedAudiences: allowedAudiences(), now: now)
                .validate(jwt)
            return AuthenticatedClient(application: application, method: .privateKeyJWT)
        }
        // `isFallbackPublicClient` ("Allow public client flows") only decides flows that carry no
        // redirect URI (ROPC, device code, and their refresh tokens): a web redirect URI's code
        // arrives here with `requireCredential` set.
        if requireCredential || !(application.isFallbackPublicClient || publicFlow) {
            throw .missingClientCredential()
        }
        return AuthenticatedClient(application: application, method: .none)
    }

    /// Secrets compare in constant time; a match on an expired secret is 7000222, no match 7000215.
    static func verifySecret(_ secret: String, of application: Application, now: Date) throws(EntraError) {
        guard let match = application.passwordCredentials.first(where: { constantTimeEqual($0.secretText.utf8, secret.utf8) }) else {
            throw .invalidClientSecret(appId: application.appId)
        }
        if let end = match.endDateTime, end <= now { throw .expiredClientSecret(appId: application.appId) }
        if let start = match.startDateTime, start > now { throw .invalidClientSecret(appId: application.appId) }
    }

    /// Equal bytes, compared in a time that depends on the length only (secrets, passwords, codes,
    /// PKCE verifiers); pass `.utf8` views, so nothing is copied.
    static func constantTimeEqual(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        // Strings' UTF-8 is contiguous: one indexed loop over both buffers (zip over the views
        // cost more than the rest of a secret check); zip for any other collection.
        let contiguous = a.withContiguousStorageIfAvailable { x in
            b.withContiguousStorageIfAvailable { y in
                var difference: UInt8 = 0
                for index in x.indices { difference |= x[index] ^ y[index] }
                return difference == 0
            }
        }
        if let contiguous, let result = contiguous { return result }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
