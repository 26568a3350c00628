// An application's `optionalClaims`, shaped like Microsoft Graph's `optionalClaims` resource:
// the extra claims a resource asks Entra to put in the tokens issued *for* it.
import JOSE

/// Graph's `optionalClaim`: a claim name and how it is sourced. Entra knows a long list of names,
/// so any name is accepted; only `xms_cc` (client capabilities, for continuous access evaluation)
/// and `idtyp` (app-only tokens say so) change what MockEntra issues today.
public struct OptionalClaim: Sendable, Equatable {
    public let name: String
    /// `user` for a directory extension or user attribute; nil for the token's own claims.
    public let source: String?
    public let essential: Bool
    public let additionalProperties: [String]

    public init(name: String, source: String? = nil, essential: Bool = false, additionalProperties: [String] = []) {
        self.name = name
        self.source = source
        self.essential = essential
        self.additionalProperties = additionalProperties
    }
}

/// Graph's `optionalClaims`: one list per token type.
public struct OptionalClaims: Sendable, Equatable {
    public let accessToken: [OptionalClaim]
    public let idToken: [OptionalClaim]
    public let saml2Token: [OptionalClaim]

    public static let none = OptionalClaims()

    public init(accessToken: [OptionalClaim] = [], idToken: [OptionalClaim] = [], saml2Token: [OptionalClaim] = []) {
        self.accessToken = accessToken
        self.idToken = idToken
        self.saml2Token = saml2Token
    }

    /// True when access tokens for this application should carry the claim `name` (exact, as
    /// Entra's claim names are case-sensitive JSON member names).
    public func accessTokenRequests(_ name: String) -> Bool {
        accessToken.contains { $0.name == name }
    }
}

/// Reads `applications[i].optionalClaims`, reporting every problem at its path.
enum OptionalClaimsParser {
    static let tokenTypes = ["accessToken", "idToken", "saml2Token"]
    static let claimKeys = ["name", "source", "essential", "additionalProperties"]

    static func parse(_ reader: ObjectReader, _ diagnostics: inout Diagnostics) -> OptionalClaims {
        guard let object = reader.object("optionalClaims", &diagnostics) else { return .none }
        object.rejectUnknownKeys(allowed: tokenTypes, &diagnostics)
        return OptionalClaims(accessToken: claims(object, "accessToken", &diagnostics),
                              idToken: claims(object, "idToken", &diagnostics),
                              saml2Token: claims(object, "saml2Token", &diagnostics))
    }

    private static func claims(_ object: ObjectReader, _ key: String, _ diagnostics: inout Diagnostics) -> [OptionalClaim] {
        var result: [OptionalClaim] = []
        for entry in object.objects(key, &diagnostics) {
            entry.rejectUnknownKeys(allowed: claimKeys, &diagnostics)
            let source = entry.string("source", &diagnostics)
            // Graph: null for the token's own optional claims, `user` for a user property or directory extension.
            if let source, source.lowercased() != "user" {
                diagnostics.report(entry.path.key("source"), "must be \"user\" or null, found \"\(Spelling.excerpt(source))\"")
            }
            let essential = entry.bool("essential", &diagnostics) ?? false
            let additional = entry.strings("additionalProperties", &diagnostics).map(\.text)
            guard let name = entry.string("name", required: true, &diagnostics) else { continue }
            // Claim names are JSON member names in the token: a space can never be one.
            guard !name.contains(where: { $0.isWhitespace }) else {
                diagnostics.report(entry.path.key("name"), "'\(Spelling.excerpt(name))' must not contain spaces")
                continue
            }
            result.append(OptionalClaim(name: name, source: source, essential: essential, additionalProperties: additional))
        }
        return result
    }
}
