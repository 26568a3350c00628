import Foundation
import EntraDirectory
import JOSE

/// The client capabilities a token request declares in its `claims` parameter (entra-wire §3.3):
/// msal merges `{"access_token":{"xms_cc":{"values":["CP1"]}}}` into every request of a client
/// created with `client_capabilities` (azure-identity: `enable_cae=True`), client credentials included.
enum ClientCapabilities {
    /// The only capability Entra documents: the client can handle a CAE claims challenge.
    static let cp1 = "cp1"

    /// The `xms_cc` values, as sent (case kept), without case-insensitive duplicates.
    ///
    /// `claims` is untrusted: it goes through JOSE's strict, depth-bounded parser, never JSONDecoder.
    /// A `claims` value that is not JSON (or not an object) declares nothing and is otherwise
    /// ignored, as the Conditional Access reader ignores it: what Entra answers to malformed claims
    /// JSON is not documented (we found no authoritative AADSTS code for it).
    static func parse(_ claims: String?) -> [String] {
        ClaimsRequest.members("xms_cc", of: claims).filter { !$0.isEmpty }
    }

    /// Entra compares capability values without case (`CP1` and `cp1` are the same).
    static func declares(_ capability: String, in capabilities: [String]) -> Bool {
        capabilities.contains { $0.lowercased() == capability }
    }
}

/// What continuous access evaluation changes in one access token: its lifetime and its `xms_cc` claim.
///
/// Entra gives CAE-capable clients long-lived tokens (20–28 h) for resources that enforce CAE, because
/// such a resource rejects the token in near real time after a critical event (sessions revoked, user
/// disabled) with a claims challenge, instead of waiting for it to expire.
///
/// Which resources are CAE-capable is Microsoft's list of its own workloads (Exchange Online,
/// SharePoint, Teams, Graph) and is not documented for custom APIs. Our choice: Microsoft Graph, and
/// any resource whose `optionalClaims.accessToken` asks for `xms_cc` (an API that asks to learn the
/// client's capabilities is one that means to send it challenges).
struct ContinuousAccess: Sendable, Equatable {
    static let claimName = "xms_cc"
    /// A real client-credentials request with `cp1` for Graph answered `expires_in: 86399`.
    static let appTokenLifetime = 86399
    /// User tokens: 20 h to 28 h − 1 s, at random, as ordinary user tokens are spread over 60–90
    /// minutes (Entra randomises lifetimes so clients do not all renew at once; the exact spread of
    /// CAE user tokens is not documented).
    static let userTokenLifetimes = 72_000...100_799

    /// What the client declared (`xms_cc` values as sent), for the exchange record.
    let clientCapabilities: [String]
    /// The client declared `cp1` and the resource is CAE-capable.
    let isLongLived: Bool
    /// The token's `xms_cc` claim: the declared values, when the resource wants them.
    let claim: [String]?

    static let none = ContinuousAccess(clientCapabilities: [], isLongLived: false, claim: nil)

    private init(clientCapabilities: [String], isLongLived: Bool, claim: [String]?) {
        self.clientCapabilities = clientCapabilities
        self.isLongLived = isLongLived
        self.claim = claim
    }

    init(claims: String?, resource: Application) {
        let capabilities = ClientCapabilities.parse(claims)
        self.clientCapabilities = capabilities
        self.isLongLived = ClientCapabilities.declares(ClientCapabilities.cp1, in: capabilities) && Self.isCAECapable(resource)
        // Tokens for a CAE-capable resource carry the capabilities (`xms_cc`). Graph, a built-in
        // resource that cannot list the optional claim, gets them too (our choice: Graph tokens are
        // Microsoft's private format, and the CAE check reads the client's capability from the token).
        self.claim = capabilities.isEmpty || !Self.isCAECapable(resource) ? nil : capabilities
    }

    /// Microsoft Graph, or a resource that asks for `xms_cc` (see the type's comment).
    static func isCAECapable(_ resource: Application) -> Bool {
        resource.appId == BuiltInIDs.microsoftGraph || resource.optionalClaims.accessTokenRequests(claimName)
    }


    /// The lifetime of a user access token for this request.
    func userTokenLifetime() -> Int {
        isLongLived ? TokenMinter.randomLifetime(in: Self.userTokenLifetimes) : TokenMinter.userTokenLifetime()
    }

    /// The lifetime of an app-only access token for this request.
    var appTokenLifetime: Int {
        isLongLived ? Self.appTokenLifetime : TokenMinter.appTokenLifetime
    }
}
