import Foundation
import HTTPServer
import JOSE
import TokenService

/// Browser sign-in sessions: an opaque cookie value mapped, on the server, to the sign-ins made in
/// that browser (several accounts, as Entra's account picker shows them). The cookie carries no
/// user data, so nothing in it can be forged or read. Bounded: the oldest sessions are dropped.
final class BrowserSessionStore: @unchecked Sendable {
    /// Entra's own session cookie name, so people reading a browser's cookies recognise it.
    static let cookieName = "ESTSAUTH"

    private let lock = NSLock()
    private var sessions: [String: [Authentication]] = [:]
    private var order: [String] = []
    private let capacity: Int

    init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    /// The sign-ins of this browser session, most recent first.
    func accounts(_ sessionId: String?) -> [Authentication] {
        guard let sessionId else { return [] }
        lock.lock()
        defer { lock.unlock() }
        return sessions[sessionId] ?? []
    }

    /// Adds a sign-in (replacing an older one of the same user) and returns the session id: the
    /// existing one when the browser has a live session, else a new one to set as the cookie.
    func add(_ authentication: Authentication, to sessionId: String?) -> (id: String, isNew: Bool) {
        lock.lock()
        defer { lock.unlock() }
        if let sessionId, var accounts = sessions[sessionId] {
            accounts.removeAll { $0.userId == authentication.userId && $0.tenantId == authentication.tenantId }
            sessions[sessionId] = [authentication] + accounts
            return (sessionId, false)
        }
        let id = Base64URL.encode(SecureRandom.bytes(32))
        sessions[id] = [authentication]
        order.append(id)
        if order.count > capacity {
            let dropped = order.count - capacity
            for old in order.prefix(dropped) { sessions[old] = nil }
            order.removeFirst(dropped)
        }
        return (id, true)
    }

    /// Logout: the whole browser session ends (every account in it, as in Entra).
    func end(_ sessionId: String?) {
        guard let sessionId else { return }
        lock.lock()
        sessions[sessionId] = nil
        order.removeAll { $0 == sessionId }
        lock.unlock()
    }
}

/// Reading and writing the session cookie.
enum SessionCookie {
    /// The session id from the request's `Cookie` headers, if any.
    static func read(_ request: HTTPRequest) -> String? {
        for header in request.headers.values(for: "Cookie") {
            for part in header.split(separator: ";") {
                let pair = part.split(separator: "=", maxSplits: 1)
                guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces) == BrowserSessionStore.cookieName else { continue }
                let value = pair[1].trimmingCharacters(in: .whitespaces)
                if !value.isEmpty { return value }
            }
        }
        return nil
    }

    /// HttpOnly (no script may read it). Over TLS `SameSite=None; Secure`, as Entra's own session
    /// cookie: a single-page app's silent sign-in (`prompt=none` in a hidden iframe, MSAL.js
    /// `ssoSilent`) is a cross-site request, and only a `None` cookie is sent with it. Over plain
    /// HTTP (`--http`) browsers refuse `SameSite=None` without `Secure`, and `Secure` cookies are not
    /// stored from http://, so the cookie stays `SameSite=Lax` there: SSO then works for top-level
    /// navigations only, never in a cross-site iframe.
    static func set(_ sessionId: String, secure: Bool) -> (String, String) {
        ("Set-Cookie", "\(BrowserSessionStore.cookieName)=\(sessionId); Path=/; HttpOnly\(attributes(secure: secure))")
    }

    static func clear(secure: Bool) -> (String, String) {
        ("Set-Cookie", "\(BrowserSessionStore.cookieName)=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly\(attributes(secure: secure))")
    }

    private static func attributes(secure: Bool) -> String {
        secure ? "; SameSite=None; Secure" : "; SameSite=Lax"
    }
}
