#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Failures setting up sockets, TLS material or client connections, with the OS or OpenSSL detail.
public enum HTTPServerError: Error, Equatable, CustomStringConvertible {
    case resolve(host: String, reason: String)
    case socket(operation: String, errno: Int32)
    case bind(host: String, port: Int, errno: Int32)
    case tls(String)
    case alreadyStarted
    case connect(host: String, port: Int, reason: String)
    case timeout(String)
    case connectionClosed
    case malformedResponse(String)

    public var description: String {
        switch self {
        case .resolve(let host, let reason): return "cannot resolve host \"\(host)\": \(reason)"
        case .socket(let operation, let code): return "\(operation) failed: \(String(cString: strerror(code)))"
        case .bind(let host, let port, let code): return "cannot listen on \(host):\(port): \(String(cString: strerror(code)))"
        case .tls(let detail): return "TLS: \(detail)"
        case .alreadyStarted: return "server already started"
        case .connect(let host, let port, let reason): return "cannot connect to \(host):\(port): \(reason)"
        case .timeout(let what): return "timed out \(what)"
        case .connectionClosed: return "connection closed by peer before a complete response"
        case .malformedResponse(let detail): return "malformed HTTP response: \(detail)"
        }
    }
}
