import Foundation
import EntraDirectory

/// A token request at a managed-identity endpoint of the emulated Azure host: IMDS
/// (`/metadata/identity/oauth2/token`) or App Service (`/msi/token`). The HTTP layer checks the
/// endpoint's own header and shapes the response; this is the identity and token part.
public struct ManagedIdentityRequest: Sendable {
    public enum Endpoint: String, Sendable {
        case imds, appService = "app_service"

        /// Where the emulated host serves it (the exchange record's `endpoint`).
        public var path: String { self == .imds ? "/metadata/identity/oauth2/token" : "/msi/token" }
    }
    public let endpoint: Endpoint
    /// The resource as v1 names it (`https://management.azure.com/`); a trailing `/.default` is tolerated.
    public let resource: String?
    /// Selectors for a user-assigned identity; none selects the system-assigned one.
    public let clientId: String?
    public let objectId: String?
    public let resourceId: String?
    public let baseURL: String

    public init(endpoint: Endpoint, resource: String?, clientId: String?, objectId: String?,
                resourceId: String?, baseURL: String) {
        self.endpoint = endpoint
        self.resource = resource
        self.clientId = clientId
        self.objectId = objectId
        self.resourceId = resourceId
        self.baseURL = baseURL
    }
}

public struct ManagedIdentityToken: Sendable, Equatable {
    public let accessToken: String
    public let clientId: String
    public let expiresIn: Int
    public let expiresOn: Int
    public let notBefore: Int
    /// The resource as the request named it (IMDS echoes it).
    public let resource: String
}

/// What the endpoints answer besides a token (`{error, error_description}` at IMDS). `kind` tells
/// the HTTP layer which status to send: a request they cannot serve is a 400, which azure-identity
/// reports as the identity being unavailable.
public struct ManagedIdentityError: Error, Sendable, Equatable {
    public enum Kind: Sendable { case badRequest, serverError }
    public let kind: Kind
    public let error: String
    public let description: String
    /// The AADSTS code of an Entra error passed on (nil for the endpoints' own errors).
    public var code: Int? = nil
}

extension ManagedIdentityError {
    /// An Entra error, passed on in the endpoints' body as `AADSTSnnnnn: message`.
    init(_ entra: EntraError) {
        self.init(kind: .badRequest, error: entra.error, description: "AADSTS\(entra.code): \(entra.message)", code: entra.code)
    }
}

extension TokenService {
    public func managedIdentityToken(_ request: ManagedIdentityRequest) -> Result<ManagedIdentityToken, ManagedIdentityError> {
        let now = clock.now()
        var record = ExchangeRecord(endpoint: request.endpoint.path, time: now, traceId: Identifiers.randomGUID(),
                                    correlationId: Identifiers.randomGUID())
        record.grantType = "managed_identity:" + request.endpoint.rawValue
        record.requestedScopes = request.resource.map { [$0] } ?? []
        let result = issueManagedIdentityToken(request, now: now, record: &record)
        switch result {
        case .success: record.outcome = "issued"
        case .failure(let failure):
            record.outcome = "error"
            record.failure = .init(error: failure.error, code: failure.code ?? 0, description: failure.description, suberror: nil, claims: nil)
        }
        log.append(record)
        return result
    }

    private func issueManagedIdentityToken(_ request: ManagedIdentityRequest, now: Date,
                                           record: inout ExchangeRecord) -> Result<ManagedIdentityToken, ManagedIdentityError> {
        guard var resource = request.resource, !resource.isEmpty else {
            return .failure(.init(kind: .badRequest, error: "invalid_request", description: "Required audience parameter not specified"))
        }
        // azure-identity strips `/.default` from a scope; a client that does not is served too.
        if resource.hasSuffix("/.default") { resource.removeLast("/.default".count) }
        if [request.clientId, request.objectId, request.resourceId].compactMap({ $0 }).count > 1 {
            return .failure(.init(kind: .badRequest, error: "invalid_request",
                                  description: "Give at most one of client_id, object_id and the identity's resource id"))
        }
        guard let (tenant, identity) = selectManagedIdentity(request) else {
            return .failure(.init(kind: .badRequest, error: "invalid_request", description: "Identity not found"))
        }
        record.tenantId = tenant.id
        record.client = .init(appId: identity.appId, displayName: identity.displayName, authenticationMethod: .managedIdentity)
        record.subject = .init(kind: "app", id: identity.servicePrincipalId, name: identity.displayName)
        // A disabled identity is a disabled service principal: Entra issues it nothing.
        guard identity.accountEnabled else {
            return .failure(.init(.applicationDisabled(appId: identity.appId, name: identity.displayName)))
        }
        guard let target = tenant.resource(identifier: resource) else {
            return .failure(.init(.managedIdentityResourceNotFound(resource, tenantId: tenant.id)))
        }
        guard target.accountEnabled else { return .failure(.init(.resourceDisabled(appId: target.appId))) }
        let format = AccessTokenFormat(requestedVersion: target.requestedAccessTokenVersion)
        record.resource = .init(appId: target.appId, displayName: target.displayName, requestedAs: resource, tokenVersion: format.version)
        let roles = tenant.appRoles(grantedTo: identity.servicePrincipalId, on: target.appId).map(\.value)
        record.grantedRoles = roles
        do {
            let token = try TokenMinter(keys: keys).appToken(
                client: AuthenticatedClient(application: identity, method: .managedIdentity), resource: target,
                audience: resource, roles: roles, tenant: tenant, baseURL: request.baseURL, now: now)
            record.issuedTokens = [.init(type: "access_token", uti: token.tokenId, expiresAt: token.expiresAt)]
            return .success(ManagedIdentityToken(accessToken: token.compact, clientId: identity.appId, expiresIn: token.lifetime,
                                                 expiresOn: Int(token.expiresAt.timeIntervalSince1970),
                                                 notBefore: Int(token.notBefore.timeIntervalSince1970), resource: resource))
        } catch {
            return .failure(.init(kind: .serverError, error: "server_error", description: error.message))
        }
    }

    /// The user-assigned identity a selector names, or the system-assigned one when none is given.
    private func selectManagedIdentity(_ request: ManagedIdentityRequest) -> (Tenant, Application)? {
        for tenant in directory.tenants {
            for app in tenant.applications {
                guard let identity = app.managedIdentity else { continue }
                let selected: Bool
                if let clientId = request.clientId {
                    selected = app.appId == clientId.lowercased()
                } else if let objectId = request.objectId {
                    selected = app.servicePrincipalId == objectId.lowercased()
                } else if let resourceId = request.resourceId {
                    selected = identity.resourceId.lowercased() == resourceId.lowercased()
                } else {
                    selected = identity.kind == .systemAssigned
                }
                if selected { return (tenant, app) }
            }
        }
        return nil
    }
}
