// The scripted part of a scenario: token requests with the outcome each must have, run by
// `mockentra check` (DESIGN.md "Command line"). Emulator-only: Entra has nothing like it.
import JOSE

/// One step of a scenario's `steps`.
public struct ScenarioStep: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        /// A POST to a tenant's token endpoint.
        case token(TokenStep)
        /// Moves the emulator's clock forward (tokens expire, codes lapse).
        case advanceClock(seconds: Double)
        /// A call to the test-control API: a headless sign-in, a device-code decision, a fault,
        /// a session revocation, ….
        case control(ControlStep)
    }

    /// What the report prints: the step's `name`, else "step N".
    public let name: String
    /// Lets later steps use this step's response: `{{id.access_token}}`.
    public let id: String?
    public let action: Action
    /// Where the step is in the file (`steps[3]`), for messages.
    public let path: String
}

/// A token request (or a device-code request) and what must come back.
public struct TokenStep: Sendable, Equatable {
    public enum EndpointVersion: String, Sendable, CaseIterable { case v2, v1 }
    /// `token` (the default) or `devicecode`, whose answer (`device_code`, `user_code`) later
    /// steps approve through the control API and redeem.
    public enum Endpoint: String, Sendable, CaseIterable { case token, devicecode }

    /// The tenant segment of the URL (a GUID or a domain, `common`, `organizations`).
    public let tenant: String
    public let version: EndpointVersion
    public let endpoint: Endpoint
    /// Form fields in order. Values may hold `{{id.field}}` references to earlier responses.
    public let form: [(name: String, value: String)]
    /// Extra request headers (`client-request-id`, …); values may hold references too.
    public let headers: [(name: String, value: String)]
    public let expect: StepExpectation

    public static func == (a: TokenStep, b: TokenStep) -> Bool {
        a.tenant == b.tenant && a.version == b.version && a.endpoint == b.endpoint && a.expect == b.expect
            && a.form.elementsEqual(b.form, by: { $0 == $1 }) && a.headers.elementsEqual(b.headers, by: { $0 == $1 })
    }
}

/// A test-control API call (`POST /_mockentra/signin` and the rest) and what must come back.
public struct ControlStep: Sendable, Equatable {
    public enum Method: String, Sendable, CaseIterable { case GET, POST, DELETE }

    public let method: Method
    /// The path, starting `/_mockentra/`, with an optional query; it may hold `{{id.field}}`
    /// references, substituted percent-encoded.
    public let path: String
    /// The JSON body of a POST; its strings may hold `{{id.field}}` references. A string that
    /// is one reference and nothing else takes the referenced value itself (a number stays one).
    public let body: JSONValue?
    public let expect: StepExpectation
}

/// What a step's response must show. Every part given must hold; an absent part is not checked.
/// With none of `status`, `error`, `code` and `suberror`, the request must succeed (HTTP 2xx; the
/// token endpoint's success is always 200).
public struct StepExpectation: Sendable, Equatable {
    public let status: Int?
    /// The OAuth `error` (`invalid_grant`, `interaction_required`, …).
    public let error: String?
    /// The AADSTS number: the first of `error_codes`.
    public let code: Int?
    public let suberror: String?
    /// Members the response body must have with these values (`token_type`, `scope`, `claims`, …).
    public let response: [String: JSONValue]
    /// Claims the access token must carry with these values (arrays compare as sets).
    public let claims: [String: JSONValue]
    /// Claims the access token must not carry.
    public let absentClaims: [String]
    /// Claims the ID token must carry.
    public let idTokenClaims: [String: JSONValue]

    public var expectsSuccess: Bool { error == nil && code == nil && suberror == nil && (200...299).contains(status ?? 200) }
}

/// `{{id.field}}` inside a step's form value, header, control path or body: the member `field` of
/// the response body of the earlier step `id` (its `access_token`, `refresh_token`, `code`, …). The loader checks every
/// reference; the runner substitutes them.
public enum StepReference {
    public struct Reference: Sendable, Equatable {
        public let stepId: String
        public let field: String
    }

    /// The text split into literal parts and references, or why it is malformed.
    public enum Part: Sendable, Equatable {
        case literal(String)
        case reference(Reference)
    }

    public static func parse(_ text: String) -> Result<[Part], StepReferenceError> {
        var parts: [Part] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex { parts.append(.literal(String(rest[..<open.lowerBound]))) }
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                return .failure(StepReferenceError(reason: "'{{' without a closing '}}'"))
            }
            let inner = rest[open.upperBound..<close.lowerBound]
            let pieces = inner.split(separator: ".", omittingEmptySubsequences: false)
            guard pieces.count == 2, isName(pieces[0]), isName(pieces[1]) else {
                return .failure(StepReferenceError(reason: "'{{\(Spelling.excerpt(String(inner)))}}' is not a reference of the form {{stepId.field}}"))
            }
            parts.append(.reference(Reference(stepId: String(pieces[0]), field: String(pieces[1]))))
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { parts.append(.literal(String(rest))) }
        return .success(parts)
    }

    /// Step ids and response members: letters, digits, '_' and '-'.
    public static func isName(_ text: some StringProtocol) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x5F || byte == 0x2D
        }
    }
}

public struct StepReferenceError: Error, Sendable, Equatable {
    public let reason: String
}
