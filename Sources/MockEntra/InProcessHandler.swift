import EntraDirectory
import HTTPServer
import TokenService

/// Every route MockEntra serves, over one token service, without sockets or TLS: what the server
/// runs for each request it has read. The server wraps one; the Router fuzz target drives one with
/// hostile requests; a Swift test can call one directly when the transport is not the point.
public struct InProcessHandler: Sendable {
    public let tokenService: TokenService
    private let router: Router

    /// `scenarioFile`: what `POST /_mockentra/scenario/reload` reads again (nil: loaded from memory).
    /// `autoSignInLoginHint`: see `MockEntraOptions`.
    public init(service: TokenService, scenarioFile: String? = nil, autoSignInLoginHint: Bool = false) {
        tokenService = service
        router = Router(service: service, autoSignInLoginHint: autoSignInLoginHint, scenarioFile: scenarioFile)
    }

    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        router.handle(request)
    }
}
