/// A parsed request as handed to the application's handler.
public struct HTTPRequest: Sendable {
    public var method: String
    /// The raw request-target as received.
    public var target: String
    /// The raw path (before '?'), not percent-decoded.
    public var path: String
    /// The raw query after '?' ("" when there is none).
    public var query: String
    public var headers: HTTPHeaders
    public var body: [UInt8]
    public var remoteAddress: String
    public var localPort: Int
    public var isTLS: Bool

    public init(method: String, target: String, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [],
                remoteAddress: String = "", localPort: Int = 0, isTLS: Bool = false) {
        self.method = method
        self.target = target
        // Byte search over the UTF-8 buffer: '?' is ASCII, and a Character search would walk grapheme
        // clusters (the UTF-8 view's own search cost as much as the rest of this initializer).
        var bytes = target
        if let offset = bytes.withUTF8({ $0.firstIndex(of: UInt8(ascii: "?")) }) {
            let mark = target.utf8.index(target.utf8.startIndex, offsetBy: offset)
            path = String(target[..<mark])
            query = String(target[target.utf8.index(after: mark)...])
        } else {
            path = target
            query = ""
        }
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
        self.localPort = localPort
        self.isTLS = isTLS
    }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A short `text/plain` response, as the server itself uses for protocol errors.
    public static func text(_ status: Int, _ text: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: HTTPHeaders([("Content-Type", "text/plain; charset=utf-8")]),
                     body: Array(text.utf8))
    }
}

public typealias HTTPHandler = @Sendable (HTTPRequest) -> HTTPResponse

/// Standard reason phrases for the status line (the phrase is informational only).
enum HTTPStatus {
    static func reason(_ status: Int) -> String {
        switch status {
        case 100: return "Continue"
        case 200: return "OK"
        case 201: return "Created"
        case 202: return "Accepted"
        case 204: return "No Content"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 303: return "See Other"
        case 304: return "Not Modified"
        case 307: return "Temporary Redirect"
        case 308: return "Permanent Redirect"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 413: return "Content Too Large"
        case 415: return "Unsupported Media Type"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 505: return "HTTP Version Not Supported"
        default: return "Status \(status)"
        }
    }

    /// Statuses whose responses never carry a body or Content-Length framing.
    static func forbidsBody(_ status: Int) -> Bool {
        (100..<200).contains(status) || status == 204 || status == 304
    }
}
