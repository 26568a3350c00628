// Reads one `applications[i]` entry into a draft. References to other apps (requiredResourceAccess)
// are kept as text with their paths and resolved once every app of the tenant is known.
import Foundation
import JOSE

struct DraftApplication {
    struct ResourceAccessDraft {
        let resource: String
        let path: JSONPath
        let scopes: [(text: String, path: JSONPath)]
        let roles: [(text: String, path: JSONPath)]
    }

    var application: Application
    let path: JSONPath
    /// False when the appId was derived from the display name (a duplicate name then implies a
    /// duplicate appId, which is not worth a second problem).
    let appIdWasGiven: Bool
    let identifierUriPaths: [JSONPath]
    let requiredResourceAccess: [ResourceAccessDraft]
    /// `agentIdentity.blueprint`, resolved once every application of the tenant is known.
    var agentBlueprint: (text: String, path: JSONPath)? = nil
    /// `inheritablePermissions` (a blueprint's), resolved once every application is known; nil when absent.
    var inheritablePermissions: [InheritablePermissionDraft]? = nil
}

struct ApplicationParser {
    static let allowedKeys = [
        "appId", "displayName", "identifierUris", "signInAudience", "isFallbackPublicClient", "publicClient", "web",
        "spa", "passwordCredentials", "keyCredentials", "api", "appRoles", "requiredResourceAccess", "accountEnabled",
        "optionalClaims", "managedIdentity", "federatedIdentityCredentials", "agentIdentity",
        "inheritablePermissions", "riskLevel",
    ]
    static let signInAudiences = [
        "AzureADMyOrg", "AzureADMultipleOrgs", "AzureADandPersonalMicrosoftAccount", "PersonalMicrosoftAccount",
    ]

    let tenantId: String
    /// Directory that relative `certificateFile` paths are resolved against (the scenario file's folder).
    let baseDirectory: String

    func parse(_ reader: ObjectReader, _ diagnostics: inout Diagnostics) -> DraftApplication? {
        reader.rejectUnknownKeys(allowed: Self.allowedKeys, &diagnostics)
        let displayName = reader.string("displayName", required: true, &diagnostics)
        let explicitAppId = reader.guid("appId", &diagnostics)
        // A missing display name is already reported; keep reading to find the other problems.
        let appId = explicitAppId ?? DerivedIDs.application(tenantId: tenantId, displayName: displayName ?? reader.path.text)

        var uris: [String] = []
        var uriPaths: [JSONPath] = []
        for uri in reader.strings("identifierUris", &diagnostics) {
            guard IdentifierURI.hasAllowedScheme(uri.text) else {
                diagnostics.report(uri.path, "identifier URI '\(Spelling.excerpt(uri.text))' must start with api://, https:// or urn:")
                continue
            }
            uris.append(uri.text)
            uriPaths.append(uri.path)
        }

        let signInAudience = reader.string("signInAudience", &diagnostics)
        if let audience = signInAudience, !Self.signInAudiences.contains(audience) {
            diagnostics.report(reader.path.key("signInAudience"),
                               "'\(Spelling.excerpt(audience))' is not one of \(Self.signInAudiences.joined(separator: ", "))")
        }

        let api = reader.object("api", &diagnostics)
        api?.rejectUnknownKeys(allowed: ["requestedAccessTokenVersion", "oauth2PermissionScopes"], &diagnostics)
        let scopes = api.map { parseScopes($0, appId: appId, &diagnostics) } ?? []
        let roles = parseRoles(reader, appId: appId, &diagnostics)
        checkUniquePermissionIds(scopes: scopes, roles: roles, at: reader.path, &diagnostics)

        let agentBlueprint = parseAgentIdentity(reader, &diagnostics)
        let application = Application(
            appId: appId,
            objectId: DerivedIDs.applicationObject(tenantId: tenantId, appId: appId),
            // An agent identity's object id equals its appId in observed tenants (entra-wire §7.1).
            servicePrincipalId: agentBlueprint != nil ? appId : DerivedIDs.servicePrincipal(tenantId: tenantId, appId: appId),
            displayName: displayName ?? "",
            identifierUris: uris, isBuiltIn: false,
            accountEnabled: reader.bool("accountEnabled", &diagnostics) ?? true,
            signInAudience: signInAudience,
            isFallbackPublicClient: reader.bool("isFallbackPublicClient", &diagnostics) ?? false,
            publicClientRedirectUris: redirectUris(reader, "publicClient", &diagnostics),
            webRedirectUris: redirectUris(reader, "web", &diagnostics),
            spaRedirectUris: redirectUris(reader, "spa", &diagnostics),
            passwordCredentials: parsePasswords(reader, appId: appId, &diagnostics),
            keyCredentials: parseKeys(reader, appId: appId, &diagnostics),
            requestedAccessTokenVersion: tokenVersion(api, signInAudience: signInAudience, at: reader.path, &diagnostics),
            oauth2PermissionScopes: scopes, appRoles: roles, requiredResourceAccess: [],
            optionalClaims: OptionalClaimsParser.parse(reader, &diagnostics),
            managedIdentity: parseManagedIdentity(reader, displayName: displayName ?? "", &diagnostics),
            federatedIdentityCredentials: parseFederatedCredentials(reader, &diagnostics),
            riskLevel: reader.enumValue("riskLevel", RiskLevel.self, &diagnostics) ?? .none)
        return DraftApplication(
            application: application, path: reader.path, appIdWasGiven: explicitAppId != nil, identifierUriPaths: uriPaths,
            requiredResourceAccess: parseResourceAccess(reader, &diagnostics), agentBlueprint: agentBlueprint,
            inheritablePermissions: InheritablePermissionParser.parse(reader, &diagnostics))
    }

    /// `agentIdentity: { blueprint }`: the blueprint application's reference, resolved later. An
    /// agent identity has no credentials or redirect URIs of its own: its blueprint gets its tokens.
    private func parseAgentIdentity(_ reader: ObjectReader, _ diagnostics: inout Diagnostics) -> (text: String, path: JSONPath)? {
        guard let object = reader.object("agentIdentity", &diagnostics) else { return nil }
        object.rejectUnknownKeys(allowed: ["blueprint"], &diagnostics)
        guard let blueprint = object.string("blueprint", required: true, &diagnostics) else { return nil }
        for key in ["passwordCredentials", "keyCredentials", "federatedIdentityCredentials", "publicClient", "web", "spa",
                    "isFallbackPublicClient", "managedIdentity", "identifierUris", "api", "signInAudience"] where reader.has(key) {
            diagnostics.report(reader.path.key(key), "an agent identity has no \(key): its blueprint obtains its tokens")
        }
        return (blueprint, object.path.key("blueprint"))
    }

    /// `managedIdentity: { type: "systemAssigned" | "userAssigned", resourceId? }`. A managed identity
    /// has no credentials, redirect URIs or API of its own: Azure holds its credential.
    private func parseManagedIdentity(_ reader: ObjectReader, displayName: String,
                                      _ diagnostics: inout Diagnostics) -> ManagedIdentity? {
        guard let object = reader.object("managedIdentity", &diagnostics) else { return nil }
        object.rejectUnknownKeys(allowed: ["type", "resourceId"], &diagnostics)
        let kinds = ManagedIdentity.Kind.allCases.map(\.rawValue)
        guard let type = object.string("type", required: true, &diagnostics) else { return nil }
        guard let kind = ManagedIdentity.Kind(rawValue: type) else {
            diagnostics.report(object.path.key("type"), "'\(Spelling.excerpt(type))' is not one of \(kinds.joined(separator: ", "))")
            return nil
        }
        let resourceId = object.string("resourceId", &diagnostics)
        if let resourceId, !resourceId.lowercased().hasPrefix("/subscriptions/") {
            diagnostics.report(object.path.key("resourceId"), "'\(Spelling.excerpt(resourceId))' is not an Azure resource id (/subscriptions/…)")
        }
        for key in ["passwordCredentials", "keyCredentials", "publicClient", "web", "spa", "api", "isFallbackPublicClient"]
        where reader.has(key) {
            diagnostics.report(reader.path.key(key), "a managed identity has no \(key): Azure holds its credential")
        }
        return ManagedIdentity(kind: kind, resourceId: resourceId ?? ManagedIdentity.defaultResourceId(kind: kind, name: displayName))
    }

    /// `federatedIdentityCredentials: [{ name?, issuer, subject, audiences?, certificate | certificateFile }]`.
    /// `audiences` defaults to Entra's `api://AzureADTokenExchange`; the certificate (the issuer's
    /// signing key) is required unless the issuer is Entra's own (`…login.microsoftonline.com/{tenant}/v2.0`).
    private func parseFederatedCredentials(_ reader: ObjectReader, _ diagnostics: inout Diagnostics) -> [FederatedIdentityCredential] {
        var credentials: [FederatedIdentityCredential] = []
        for (position, entry) in reader.objects("federatedIdentityCredentials", &diagnostics).enumerated() {
            entry.rejectUnknownKeys(allowed: ["name", "description", "issuer", "subject", "audiences", "certificate",
                                              "certificateFile"], &diagnostics)
            let issuer = entry.string("issuer", required: true, &diagnostics)
            let subject = entry.string("subject", required: true, &diagnostics)
            if let issuer, !issuer.hasPrefix("https://") {
                diagnostics.report(entry.path.key("issuer"), "'\(Spelling.excerpt(issuer))' is not an https URL")
            }
            var audiences = entry.strings("audiences", &diagnostics).map(\.text)
            if !entry.has("audiences") { audiences = [TokenExchange.audience] }
            if audiences.isEmpty { diagnostics.report(entry.path.key("audiences"), "must list an audience") }
            guard let issuer, let subject else { continue }
            var certificate: X509Certificate?
            if entry.has("certificate") || entry.has("certificateFile") {
                certificate = CertificateSource.load(entry, baseDirectory: baseDirectory, &diagnostics)
            } else if FederatedIdentityCredential.entraTenantId(ofIssuer: issuer) == nil {
                diagnostics.report(entry.path, "needs the issuer's signing certificate ('certificate' or 'certificateFile'): only Entra's own issuers are known")
            }
            credentials.append(FederatedIdentityCredential(name: entry.string("name", &diagnostics) ?? "credential \(position)",
                                                           issuer: issuer, subject: subject, audiences: audiences,
                                                           certificate: certificate))
        }
        return credentials
    }

    private func redirectUris(_ reader: ObjectReader, _ key: String, _ diagnostics: inout Diagnostics) -> [String] {
        guard let platform = reader.object(key, &diagnostics) else { return [] }
        platform.rejectUnknownKeys(allowed: ["redirectUris"], &diagnostics)
        var result: [String] = []
        for uri in platform.strings("redirectUris", &diagnostics) {
            if let problem = Self.redirectURIProblem(uri.text, platform: key) {
                diagnostics.report(uri.path, "'\(Spelling.excerpt(uri.text))' \(problem)")
                continue
            }
            result.append(uri.text)
        }
        return result
    }

    /// Entra's redirect URI restrictions: web and SPA URIs are `https`, or `http` on a loopback
    /// host; public (mobile and desktop) clients may also use custom schemes (`msal…://auth`) and
    /// the out-of-band URN. No fragment anywhere, and never a script or local-file scheme — a
    /// form_post response would otherwise submit to it.
    static func redirectURIProblem(_ text: String, platform: String) -> String? {
        if text == "urn:ietf:wg:oauth:2.0:oob" { return platform == "publicClient" ? nil : "is only allowed for public clients" }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              text.contains("://") else { return "is not an absolute URI" }
        if components.fragment != nil { return "must not contain a fragment" }
        if ["javascript", "data", "file", "vbscript", "about", "blob"].contains(scheme) { return "uses a scheme Entra refuses" }
        let host = components.host?.lowercased() ?? ""
        let loopback = ["localhost", "127.0.0.1", "[::1]", "::1"].contains(host)
        switch scheme {
        case "https":
            return host.isEmpty ? "has no host" : nil
        case "http":
            return loopback ? nil : "may use http only on localhost or 127.0.0.1"
        default:
            return platform == "publicClient" ? nil : "must use https (or http on localhost); custom schemes are for public clients"
        }
    }

    /// 1, 2 or null; and 2 when the app accepts personal Microsoft accounts (Graph's `apiApplication`:
    /// "the value for this property must be 2"), as those accounts only get v2 tokens.
    private func tokenVersion(_ api: ObjectReader?, signInAudience: String?, at path: JSONPath,
                              _ diagnostics: inout Diagnostics) -> Int? {
        var version: Int?
        if let api, let value = api.present("requestedAccessTokenVersion") {
            guard case .number(let number) = value, number == 1 || number == 2 else {
                let shown: String
                switch value {
                case .number(let number): shown = number.rounded() == number && abs(number) < 1e15 ? String(Int(number)) : String(number)
                case .string(let text): shown = "\"\(Spelling.excerpt(text))\""
                default: shown = value.kindDescription
                }
                diagnostics.report(api.path.key("requestedAccessTokenVersion"), "must be 1, 2 or null, found \(shown)")
                return nil
            }
            version = Int(number)
        }
        if let signInAudience, Self.personalAccountAudiences.contains(signInAudience), version != 2 {
            diagnostics.report((api?.path ?? path.key("api")).key("requestedAccessTokenVersion"),
                               "must be 2 when signInAudience is \(signInAudience)")
        }
        return version
    }

    static let personalAccountAudiences = ["AzureADandPersonalMicrosoftAccount", "PersonalMicrosoftAccount"]

    private func parseScopes(_ api: ObjectReader, appId: String, _ diagnostics: inout Diagnostics) -> [PermissionScope] {
        var scopes: [PermissionScope] = []
        var seen: Set<String> = []
        for scope in api.objects("oauth2PermissionScopes", &diagnostics) {
            // Graph's consent texts are accepted (exports carry them) but not used.
            scope.rejectUnknownKeys(allowed: ["id", "value", "type", "adminConsentDisplayName", "adminConsentDescription",
                                              "userConsentDisplayName", "userConsentDescription", "isEnabled"], &diagnostics)
            _ = scope.string("adminConsentDisplayName", &diagnostics)
            _ = scope.string("adminConsentDescription", &diagnostics)
            _ = scope.string("userConsentDisplayName", &diagnostics)
            _ = scope.string("userConsentDescription", &diagnostics)
            guard let value = permissionValue(scope, &diagnostics) else { continue }
            guard seen.insert(value).inserted else {
                diagnostics.report(scope.path.key("value"), "duplicate scope value '\(value)' on this application")
                continue
            }
            let type = scope.string("type", &diagnostics) ?? "User"
            if type != "User", type != "Admin" {
                diagnostics.report(scope.path.key("type"), "must be \"User\" or \"Admin\", found \"\(Spelling.excerpt(type))\"")
            }
            scopes.append(PermissionScope(
                id: scope.guid("id", &diagnostics) ?? DerivedIDs.scope(appId: appId, value: value), value: value,
                type: type, isEnabled: scope.bool("isEnabled", &diagnostics) ?? true))
        }
        return scopes
    }

    private func parseRoles(_ reader: ObjectReader, appId: String, _ diagnostics: inout Diagnostics) -> [AppRole] {
        var roles: [AppRole] = []
        var seen: Set<String> = []
        for role in reader.objects("appRoles", &diagnostics) {
            role.rejectUnknownKeys(allowed: ["id", "value", "allowedMemberTypes", "displayName", "description", "isEnabled"],
                                   &diagnostics)
            _ = role.string("displayName", &diagnostics)
            _ = role.string("description", &diagnostics)
            guard let value = permissionValue(role, &diagnostics) else { continue }
            guard seen.insert(value).inserted else {
                diagnostics.report(role.path.key("value"), "duplicate app role value '\(value)' on this application")
                continue
            }
            var memberTypes: [String] = []
            for memberType in role.strings("allowedMemberTypes", &diagnostics) {
                guard memberType.text == "Application" || memberType.text == "User" else {
                    diagnostics.report(memberType.path, "must be \"Application\" or \"User\", found \"\(Spelling.excerpt(memberType.text))\"")
                    continue
                }
                if !memberTypes.contains(memberType.text) { memberTypes.append(memberType.text) }
            }
            if !role.has("allowedMemberTypes") {
                diagnostics.report(role.path.key("allowedMemberTypes"), "required property is missing")
            } else if memberTypes.isEmpty {
                diagnostics.report(role.path.key("allowedMemberTypes"), "must name \"Application\", \"User\" or both")
            }
            roles.append(AppRole(
                id: role.guid("id", &diagnostics) ?? DerivedIDs.appRole(appId: appId, value: value), value: value,
                allowedMemberTypes: memberTypes, isEnabled: role.bool("isEnabled", &diagnostics) ?? true))
        }
        return roles
    }

    /// A scope or role `value`, as Graph allows it: required, at most 120 characters, printable ASCII
    /// without space, `"` or `\` (scope strings are space-separated; the value lands in the `scp` or
    /// `roles` claim), and not starting with a dot.
    private func permissionValue(_ reader: ObjectReader, _ diagnostics: inout Diagnostics) -> String? {
        guard let value = reader.string("value", required: true, &diagnostics) else { return nil }
        if let problem = Self.permissionValueProblem(value) {
            diagnostics.report(reader.path.key("value"), "'\(Spelling.excerpt(value))' \(problem)")
            return nil
        }
        return value
    }

    static func permissionValueProblem(_ value: String) -> String? {
        if value.utf8.count > 120 { return "is longer than 120 characters" }
        if value.hasPrefix(".") { return "must not start with '.'" }
        if value.contains(where: \.isWhitespace) { return "must not contain spaces" }
        let allowed = value.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
        return allowed ? nil : "may hold only letters, digits and ASCII punctuation other than \" and \\"
    }

    /// Entra requires permission ids to be unique across an app's scopes and roles.
    private func checkUniquePermissionIds(scopes: [PermissionScope], roles: [AppRole], at path: JSONPath,
                                          _ diagnostics: inout Diagnostics) {
        var seen: Set<String> = []
        for id in scopes.map(\.id) + roles.map(\.id) where !seen.insert(id).inserted {
            diagnostics.report(path, "permission id \(id) is used by more than one scope or app role")
        }
    }

    private func parsePasswords(_ reader: ObjectReader, appId: String, _ diagnostics: inout Diagnostics) -> [PasswordCredential] {
        var credentials: [PasswordCredential] = []
        for (position, entry) in reader.objects("passwordCredentials", &diagnostics).enumerated() {
            entry.rejectUnknownKeys(allowed: ["keyId", "displayName", "secretText", "startDateTime", "endDateTime"], &diagnostics)
            let keyId = entry.guid("keyId", &diagnostics) ?? DerivedIDs.credential(appId: appId, kind: "password", index: position)
            let displayName = entry.string("displayName", &diagnostics)
            let start = date(entry, "startDateTime", &diagnostics)
            let end = date(entry, "endDateTime", &diagnostics)
            checkOrder(start, end, entry, &diagnostics)
            guard let secret = entry.string("secretText", required: true, &diagnostics) else { continue }
            credentials.append(PasswordCredential(keyId: keyId, displayName: displayName, secretText: secret,
                                                  startDateTime: start, endDateTime: end))
        }
        return credentials
    }

    private func parseKeys(_ reader: ObjectReader, appId: String, _ diagnostics: inout Diagnostics) -> [KeyCredential] {
        var credentials: [KeyCredential] = []
        for (position, entry) in reader.objects("keyCredentials", &diagnostics).enumerated() {
            entry.rejectUnknownKeys(allowed: ["keyId", "displayName", "certificate", "certificateFile", "startDateTime",
                                              "endDateTime"], &diagnostics)
            let keyId = entry.guid("keyId", &diagnostics) ?? DerivedIDs.credential(appId: appId, kind: "key", index: position)
            let displayName = entry.string("displayName", &diagnostics)
            let start = date(entry, "startDateTime", &diagnostics)
            let end = date(entry, "endDateTime", &diagnostics)
            guard let certificate = CertificateSource.load(entry, baseDirectory: baseDirectory, &diagnostics) else { continue }
            let validFrom = start ?? certificate.notBefore
            let validTo = end ?? certificate.notAfter
            checkOrder(validFrom, validTo, entry, &diagnostics)
            credentials.append(KeyCredential(keyId: keyId, displayName: displayName, certificate: certificate,
                                             startDateTime: validFrom, endDateTime: validTo))
        }
        return credentials
    }

    private func date(_ reader: ObjectReader, _ key: String, _ diagnostics: inout Diagnostics) -> Date? {
        guard let text = reader.string(key, &diagnostics) else { return nil }
        guard let date = ISO8601.parse(text) else {
            diagnostics.report(reader.path.key(key),
                               "'\(Spelling.excerpt(text))' is not an ISO 8601 date-time (e.g. 2030-01-31T00:00:00Z)")
            return nil
        }
        return date
    }

    private func checkOrder(_ start: Date?, _ end: Date?, _ reader: ObjectReader, _ diagnostics: inout Diagnostics) {
        if let start, let end, end < start {
            diagnostics.report(reader.path.key("endDateTime"), "ends before it starts")
        }
    }

    private func parseResourceAccess(_ reader: ObjectReader, _ diagnostics: inout Diagnostics) -> [DraftApplication.ResourceAccessDraft] {
        reader.objects("requiredResourceAccess", &diagnostics).compactMap { entry in
            entry.rejectUnknownKeys(allowed: ["resource", "scopes", "roles"], &diagnostics)
            guard let resource = entry.string("resource", required: true, &diagnostics) else { return nil }
            return .init(resource: resource, path: entry.path.key("resource"),
                         scopes: entry.strings("scopes", &diagnostics), roles: entry.strings("roles", &diagnostics))
        }
    }
}

/// ISO 8601 date-times as Graph writes them, with or without fractional seconds, or a bare date.
enum ISO8601 {
    static func parse(_ text: String) -> Date? {
        guard text.utf8.count <= 64 else { return nil }
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds],
                                                      [.withFullDate]] {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = options
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}
