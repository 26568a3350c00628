import Foundation

/// Entra's AADSTS errors, one constructor each, with the `error` value and wording Entra uses.
/// Sources are in shared/reference/entra-wire.md §2.2; where Entra's `error` value for a code is
/// not documented, the choice is marked "inferred".
extension EntraError {
    // MARK: Request shape

    /// 900144: a required parameter is missing.
    public static func missingParameter(_ name: String) -> EntraError {
        EntraError(error: "invalid_request", code: 900144,
                   message: "The request body must contain the following parameter: '\(name)'.")
    }

    /// 9000411: a parameter appears twice in the body.
    public static func duplicateParameter(_ name: String) -> EntraError {
        EntraError(error: "invalid_request", code: 9000411,
                   message: "The request is not properly formatted. The parameter '\(name)' is duplicated.")
    }

    /// 9002313: a body that is not a valid form.
    public static func malformedRequest() -> EntraError {
        EntraError(error: "invalid_request", code: 9002313, message: "Invalid request. Request is malformed or invalid.")
    }

    /// 70003: a grant_type this endpoint does not know.
    public static func unsupportedGrantType(_ grant: String) -> EntraError {
        EntraError(error: "unsupported_grant_type", code: 70003,
                   message: "The app requested an unsupported grant type '\(grant)'.")
    }

    /// 901002: `resource` sent to the v2 endpoint without scopes.
    public static func resourceParameterNotSupported() -> EntraError {
        EntraError(error: "invalid_request", code: 901002, message: "The 'resource' request parameter is not supported.")
    }

    /// 9010010: `resource` (RFC 8707) sent next to scopes of another resource.
    public static func resourceDoesNotMatchScopes(resource: String) -> EntraError {
        EntraError(error: "invalid_target", code: 9010010,
                   message: "The resource parameter provided in the request doesn't match with the requested scopes. Resource: '\(resource)'.")
    }

    // MARK: Tenant

    /// 90002: no such tenant.
    public static func tenantNotFound(_ tenant: String) -> EntraError {
        EntraError(error: "invalid_request", code: 90002,
                   message: "Tenant '\(tenant)' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.")
    }

    /// 9001023: a grant that needs a tenant was sent to /common or /consumers.
    public static func grantNotSupportedOnTenantlessEndpoint() -> EntraError {
        EntraError(error: "invalid_request", code: 9001023,
                   message: "The grant type is not supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.")
    }

    // MARK: Client

    /// 700016: the client id names no application in this tenant. `unauthorized_client` is inferred.
    public static func applicationNotFound(_ clientId: String, tenantName: String) -> EntraError {
        EntraError(error: "unauthorized_client", code: 700016,
                   message: "Application with identifier '\(clientId)' was not found in the directory '\(tenantName)'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.")
    }

    /// 700038: the client id is not a GUID. `unauthorized_client` is inferred.
    public static func invalidApplicationIdentifier(_ clientId: String) -> EntraError {
        EntraError(error: "unauthorized_client", code: 700038, message: "\(clientId) is not a valid application identifier.")
    }

    /// 50001: the managed-identity endpoints' "resource not found", which IMDS passes on in its own
    /// body (entra-wire §8.1).
    public static func managedIdentityResourceNotFound(_ resource: String, tenantId: String) -> EntraError {
        EntraError(error: "invalid_resource", code: 50001,
                   message: "The application named \(resource) was not found in the tenant named \(tenantId). This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.")
    }

    /// 7000112: the application's service principal is disabled. `unauthorized_client` is inferred.
    public static func applicationDisabled(appId: String, name: String) -> EntraError {
        EntraError(error: "unauthorized_client", code: 7000112, message: "Application '\(appId)'(\(name)) is disabled.")
    }

    /// 7000218: a confidential client sent no credential.
    public static func missingClientCredential() -> EntraError {
        EntraError(error: "invalid_client", code: 7000218,
                   message: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
    }

    /// 7000215: the secret matches none of the application's secrets.
    public static func invalidClientSecret(appId: String) -> EntraError {
        EntraError(error: "invalid_client", code: 7000215,
                   message: "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '\(appId)'.")
    }

    /// 7000222: the secret matched, but it has expired.
    public static func expiredClientSecret(appId: String) -> EntraError {
        EntraError(error: "invalid_client", code: 7000222,
                   message: "The provided client secret keys for app '\(appId)' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.")
    }

    /// 700025: a credential from a client the flow makes public (a code sent to a `spa` or
    /// mobile/desktop redirect URI, or a refresh token such a flow produced).
    public static func publicClientPresentedCredential() -> EntraError {
        EntraError(error: "invalid_client", code: 700025,
                   message: "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.")
    }

    /// 90023 (inferred wording): both a secret and an assertion, or a secret in both body and header.
    public static func conflictingClientCredentials() -> EntraError {
        EntraError(error: "invalid_request", code: 90023,
                   message: "Client authentication is ambiguous: present exactly one of 'client_secret' (in the body or the Authorization header) or 'client_assertion'.")
    }

    /// 700026 (inferred): an unknown client_assertion_type.
    public static func unsupportedAssertionType(_ type: String) -> EntraError {
        EntraError(error: "invalid_request", code: 700026,
                   message: "Client assertion type '\(type)' is not supported. Use 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'.")
    }

    // MARK: Client assertion (private_key_jwt)

    /// 50027: the assertion is not a well-formed JWT. `invalid_request` is inferred.
    public static func malformedJWT(_ reason: String) -> EntraError {
        EntraError(error: "invalid_request", code: 50027, message: "JWT token is invalid or malformed. \(reason)")
    }

    /// 700027: no registered certificate matches, or the signature does not verify.
    public static func invalidAssertionSignature(reason: String, thumbprint: String, appId: String) -> EntraError {
        EntraError(error: "invalid_client", code: 700027,
                   message: "Client assertion contains an invalid signature. [Reason - \(reason), Thumbprint of key used by client: '\(thumbprint)', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '\(appId)'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments#app-registration-and-token-service-root-endpoints.]")
    }

    /// 700024: outside nbf/exp (with Entra's skew). `invalid_client` is inferred.
    public static func assertionOutsideValidity(now: Date, notBefore: Date?, expiry: Date?) -> EntraError {
        func text(_ d: Date?) -> String { d.map(EntraTimestamp.iso) ?? "1970-01-01T00:00:00.0000000Z" }
        return EntraError(error: "invalid_client", code: 700024,
                          message: "Client assertion is not within its valid time range. Current time: \(EntraTimestamp.iso(now)), assertion valid from \(text(notBefore)), expiry time of assertion \(text(expiry)). Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials .")
    }

    /// 700023: the assertion's `aud` is not this tenant's token endpoint.
    public static func assertionAudienceMismatch() -> EntraError {
        EntraError(error: "invalid_client", code: 700023,
                   message: "Client assertion audience claim does not match Realm issuer. Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials .")
    }

    /// 700021: the assertion's `iss`/`sub` is not the client id.
    public static func assertionSubjectMismatch() -> EntraError {
        EntraError(error: "invalid_client", code: 700021,
                   message: "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials .")
    }

    // MARK: Scope and resource

    /// 70011: a scope string Entra cannot accept (several resources, `.default` mixed with names, empty).
    public static func invalidScope(_ scope: String) -> EntraError {
        EntraError(error: "invalid_scope", code: 70011,
                   message: "The provided value for the input parameter 'scope' is not valid. The scope \(scope) is not valid.")
    }

    /// 1002012: client credentials without `/.default`.
    public static func clientCredentialsNeedDefaultScope(_ scope: String) -> EntraError {
        EntraError(error: "invalid_scope", code: 1002012,
                   message: "The provided value for scope \(scope) is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).")
    }

    /// 500014, with Entra's text as quoted in public reports; `invalid_resource` is our choice of
    /// `error` (the one Entra uses for an unknown resource, 500011).
    static func resourceDisabled(appId: String) -> EntraError {
        EntraError(error: "invalid_resource", code: 500014,
                   message: "The service principal for resource '\(appId)' is disabled. This indicate that a subscription within the tenant has lapsed, or that the administrator for this tenant has disabled the application, preventing tokens from being issued for it.")
    }

    /// 500011: the resource named by the scope is not in the tenant. `invalid_resource` is inferred.
    public static func resourceNotFound(_ resource: String, tenantName: String) -> EntraError {
        EntraError(error: "invalid_resource", code: 500011,
                   message: "The resource principal named \(resource) was not found in the tenant named \(tenantName). This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.")
    }
}

// MARK: Outside the token endpoint (discovery, wrong method)

extension EntraError {
    /// 900561: the token endpoint takes POST only.
    public static func postOnly(_ method: String) -> EntraError {
        EntraError(error: "invalid_request", code: 900561,
                   message: "The endpoint only accepts POST, OPTIONS requests. Received a \(method) request.")
    }

    /// 50049: instance discovery for a host this server is not.
    public static func unknownInstance() -> EntraError {
        EntraError(error: "invalid_instance", code: 50049, message: "Unknown or invalid instance.")
    }

    /// 90002 at discovery is `invalid_tenant` (Azure/azure-cli#22145), unlike the token endpoint.
    public static func discoveryTenantNotFound(_ tenant: String) -> EntraError {
        var error = EntraError.tenantNotFound(tenant)
        error.error = "invalid_tenant"
        return error
    }
}
