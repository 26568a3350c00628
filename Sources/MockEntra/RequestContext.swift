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
    /// The query string did not parse (a bad percent-escape): `query` is then empty.
    let queryIsMalformed: Bool

    init(_ request: HTTPRequest) {
        self.request = request
        let scheme = request.isTLS ? "https" : "http"
        let host = request.headers["Host"].flatMap(Self.validHost) ?? "localhost:\(request.localPort)"
        baseURL = "\(scheme)://\(host)"
        segments = Self.segments(of: request.path)
        let parsed = request.query.isEmpty ? FormData(pairs: []) : try? FormData(parsing: Array(request.query.utf8))
        query = parsed ?? FormData(pairs: [])
        queryIsMalformed = parsed == nil
    }

    /// The parameters of a POST to an OAuth endpoint (token, devicecode). Entra reads only form
    /// bodies (a body without a Content-Type counts as one); any other body is as if no parameter
    /// was sent. nil: a form body that does not parse.
    var formParameters: [(String, String)]? {
        if let contentType = request.headers["Content-Type"], !Self.isFormContentType(contentType) { return [] }
        return (try? FormData(parsing: request.body))?.pairs.map { ($0.name, $0.value) }
    }

    /// `application/x-www-form-urlencoded` in any case, with or without parameters; the usual
    /// lower-case spelling without a lower-cased copy (every token request asks).
    static func isFormContentType(_ value: String) -> Bool {
        let form = "application/x-www-form-urlencoded"
        if value.hasPrefix(form) { return true }  // the usual spelling (ASCII: a byte compare)
        return value.lowercased().hasPrefix(form)
    }

    /// The client's `client-request-id` (header, else form field), which Entra echoes as the
    /// correlation id.
    func clientRequestId(form: [(String, String)] = []) -> String? {
        request.headers["client-request-id"] ?? form.first(where: { $0.0 == "client-request-id" })?.1
    }

    /// Non-empty '/'-separated segments, percent-decoded (kept as written when the escape is
    /// malformed or decodes to invalid UTF-8). Byte-level: this runs on every request.
    static func segments(of path: String) -> [String] {
        var path = path
        return path.withUTF8 { bytes in
            var result: [String] = []
            result.reserveCapacity(6)
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count, bytes[end] != UInt8(ascii: "/") { end += 1 }
                if start < end {
                    // Whole segments of valid UTF-8 (the path is a String): no repair happens.
                    let segment = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
                    if segment.utf8.contains(UInt8(ascii: "%")) {
                        result.append(PercentEncoding.decode(segment, plusAsSpace: false) ?? segment)
                    } else {
                        // Without '%' decoding is the identity.
                        result.append(segment)
                    }
                }
                start = end + 1
            }
            return result
        }
    }

    /// A Host header is echoed into documents, so only host-name characters are accepted.
    static func validHost(_ host: String) -> String? {
        guard !host.isEmpty, host.utf8.count <= 255 else { return nil }
        for byte in host.utf8 {
            let allowed = (byte >= 48 && byte <= 58) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]")
            if !allowed { return nil }
        }
        // Only ASCII is allowed above, so lower-casing is needed only if an upper-case letter is present.
        return host.utf8.contains(where: { $0 >= 65 && $0 <= 90 }) ? host.lowercased() : host
    }
}
