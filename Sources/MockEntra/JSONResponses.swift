import Foundation
import HTTPServer

/// JSON bodies the way Entra writes them: compact, slashes unescaped. Keys are sorted because
/// JSONEncoder's own member order changes from process to process; clients do not care about order,
/// but people diffing responses and recordings do.
enum JSONBody {
    static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return (try? Array(encoder.encode(value))) ?? Array("{}".utf8)
    }
}

extension HTTPResponse {
    static func json(_ value: some Encodable, status: Int = 200, headers extra: [(String, String)] = []) -> HTTPResponse {
        json(bytes: JSONBody.encode(value), status: status, headers: extra)
    }

    /// A body already serialized (by `JSONObjectWriter` on hot paths).
    static func json(bytes: [UInt8], status: Int = 200, headers extra: [(String, String)] = []) -> HTTPResponse {
        var fields: [(String, String)] = []
        fields.reserveCapacity(extra.count + 1)  // one allocation, not one per doubling
        fields.append(("Content-Type", "application/json; charset=utf-8"))
        fields.append(contentsOf: extra)
        return HTTPResponse(status: status, headers: HTTPHeaders(fields), body: bytes)
    }

    static func text(_ text: String, status: Int) -> HTTPResponse {
        HTTPResponse(status: status, headers: HTTPHeaders([("Content-Type", "text/plain; charset=utf-8")]), body: Array(text.utf8))
    }

    static let noContent = HTTPResponse(status: 204)
}
