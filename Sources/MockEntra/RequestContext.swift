import Foundation
import HTTPServer

/// Facts about an incoming request that every route needs.
struct RequestContext: Sendable {
    let request: HTTPRequest
    /// `https://localhost:8443`: scheme, host and port as the client addressed us. Documents and
    /// token issuers are built from it so they match what the client configured.
    let baseURL: String
    /// Decoded path segments, e.g. `["contoso.test", "v2.0", ".well-known", "openid-configuration"]`.
    let segments: [String]
    let query: FormData

    init(_ request: HTTPRequest) {
        self.request = request
        let scheme = request.isTLS ? "https" : "http"
        let host = request.headers["Host"].flatMap(Self.validHost) ?? "localhost:\(request.localPort)"
        baseURL = "\(scheme)://\(host)"
        segments = request.path.split(separator: "/", omittingEmptySubsequences: true)
            .map { PercentEncoding.decode($0, plusAsSpace: false) ?? String($0) }
        query = (try? FormData(parsing: Array(request.query.utf8))) ?? FormData(pairs: [])
    }

    /// A Host header is echoed into documents, so only host-name characters are accepted.
    static func validHost(_ host: String) -> String? {
        guard !host.isEmpty, host.utf8.count <= 255 else { return nil }
        for byte in host.utf8 {
            let allowed = (byte >= 48 && byte <= 58) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]")
            if !allowed { return nil }
        }
        return host.lowercased()
    }
}
