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
        guard let requested = URLComponents(string: uri), let known = URLComponents(string: registered),
              requested.scheme?.lowercased() == "http", known.scheme?.lowercased() == "http",
              let host = requested.host?.lowercased(), host == known.host?.lowercased(),
              host == "localhost" || host == "127.0.0.1" || host == "[::1]" || host == "::1" else { return false }
        let path = requested.percentEncodedPath.isEmpty ? "/" : requested.percentEncodedPath
        let knownPath = known.percentEncodedPath.isEmpty ? "/" : known.percentEncodedPath
        return path == knownPath && requested.percentEncodedQuery == known.percentEncodedQuery
    }
}
