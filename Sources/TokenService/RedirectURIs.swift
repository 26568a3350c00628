import Foundation
import EntraDirectory

/// The platform a redirect URI is registered under decides how the code may be redeemed.
public enum RedirectKind: String, Sendable {
    case web, spa, publicClient
}

/// Redirect URI matching as Entra does it: exact string match, except that for loopback URIs
/// (`http://localhost`, `http://127.0.0.1`) the port is ignored, so native apps can listen on any
/// free port (RFC 8252 §7.3).
enum RedirectURIs {
    static func kind(of uri: String, registeredOn app: Application) -> RedirectKind? {
        let lists: [(RedirectKind, [String])] = [(.web, app.webRedirectUris), (.spa, app.spaRedirectUris),
                                                 (.publicClient, app.publicClientRedirectUris)]
        for (kind, registered) in lists where registered.contains(where: { matches(uri, registered: $0) }) {
            return kind
        }
        return nil
    }

    static func matches(_ uri: String, registered: String) -> Bool {
        if uri == registered { return true }
        // Only a plain loopback URI may differ in its port. Anything a browser could read as
        // another host (userinfo, a backslash that WHATWG parsing turns into a slash, spaces,
        // control characters, a fragment) is refused: the code must not go anywhere else.
        guard !uri.unicodeScalars.contains(where: { $0 == "\\" || $0 == "@" || $0 == "#" || $0.value <= 0x20 || $0.value >= 0x7F }),
              hasLoopbackAuthority(uri), hasLoopbackAuthority(registered),
              let requested = URLComponents(string: uri), let known = URLComponents(string: registered),
              requested.host?.lowercased() == known.host?.lowercased() else { return false }
        let path = requested.percentEncodedPath.isEmpty ? "/" : requested.percentEncodedPath
        let knownPath = known.percentEncodedPath.isEmpty ? "/" : known.percentEncodedPath
        return path == knownPath && requested.percentEncodedQuery == known.percentEncodedQuery
    }

    /// `http://localhost`, `http://127.0.0.1` or `http://[::1]`, then a port, a path, a query or nothing.
    private static func hasLoopbackAuthority(_ uri: String) -> Bool {
        let lowered = uri.lowercased()
        for prefix in ["http://localhost", "http://127.0.0.1", "http://[::1]"] where lowered.hasPrefix(prefix) {
            let rest = lowered.dropFirst(prefix.count)
            guard let next = rest.first else { return true }
            if next == "/" || next == "?" { return true }
            guard next == ":" else { return false }
            let port = rest.dropFirst().prefix { $0 != "/" && $0 != "?" }
            return !port.isEmpty && port.count <= 5 && port.allSatisfy { $0.isASCII && $0.isNumber }
        }
        return false
    }
}
