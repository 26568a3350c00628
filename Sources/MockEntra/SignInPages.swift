import Foundation
import HTTPServer
import TokenService

/// An account shown in a picker: a remembered sign-in and who it is.
struct PickerAccount {
    let userId: String
    let userPrincipalName: String
    let displayName: String
}

/// The sign-in pages. Every form carries the original /authorize parameters in one hidden `ctx`
/// field (the encoded query), so the server keeps no state for a sign-in in progress and no
/// parameter of the client's request can collide with the form's own fields.
enum SignInPages {
    /// A remembered sign-in that outlived a policy's sign-in frequency asks for the password again.
    static let signInExpiredMessage = "Your sign-in has expired under your organization's policy. Enter your password again."

    /// The password step. `userName` pre-fills the account (from `login_hint` or a failed attempt).
    static func password(action: String, context: String, clientName: String, userName: String?,
                         error: String? = nil, details: StampedError? = nil) -> String {
        var body = "<h1>Sign in</h1>\n<p class=\"muted\">to continue to \(HTML.escape(clientName))</p>\n"
        if let details {
            body += HTML.errorBox(details)
        } else if let error {
            body += HTML.errorMessage(error)
        }
        body += """
        <form method="post" action="\(HTML.escape(action))" id="signin">
        \(HTML.hidden("ctx", context))
        \(HTML.credentialFields(userName: userName))
        \(HTML.buttons(submit: "signin", id: "submit", label: "Sign in"))
        </form>
        """
        return HTML.page(title: "Sign in to your account", body: body)
    }

    /// "Pick an account": one button per remembered sign-in, plus another account and cancel.
    static func picker(action: String, context: String, clientName: String, accounts: [PickerAccount]) -> String {
        var body = "<h1>Pick an account</h1>\n<p class=\"muted\">to continue to \(HTML.escape(clientName))</p>\n"
        body += "<form method=\"post\" action=\"\(HTML.escape(action))\" id=\"picker\">\n\(HTML.hidden("ctx", context))\n"
        for account in accounts {
            body += """
            <button type="submit" class="account" name="account" value="\(HTML.escape(account.userId))">\
            <strong>\(HTML.escape(account.displayName))</strong><br><span class="muted">\(HTML.escape(account.userPrincipalName))</span></button>

            """
        }
        body += """
        <button type="submit" class="account" name="action" value="other">Use another account</button>
        <div class="buttons"><button type="submit" name="action" value="cancel" class="secondary">Cancel</button></div>
        </form>
        """
        return HTML.page(title: "Pick an account", body: body)
    }

    /// Errors about the client or the redirect URI: shown here, never sent to the redirect URI.
    static func error(_ stamped: StampedError) -> String {
        HTML.page(title: "Sign in error", body: "<h1>Sorry, but we’re having trouble signing you in.</h1>\n" + HTML.errorBox(stamped))
    }

    static func signedOut() -> String {
        HTML.page(title: "Signed out", body: """
        <h1>You signed out of your account</h1>
        <p>It’s a good idea to close all browser windows.</p>
        """)
    }

    /// `response_mode=form_post`: posts the parameters to the redirect URI. The onload submit is the
    /// only script; the visible button does the same without it.
    static func formPost(_ response: AuthorizeResponse) -> String {
        var body = "<h1>Working…</h1>\n<form method=\"post\" action=\"\(HTML.escape(response.redirectURI))\" id=\"form_post\">\n"
        for parameter in response.parameters { body += HTML.hidden(parameter.name, parameter.value) + "\n" }
        body += "<noscript><p>Script is disabled. Click Continue.</p></noscript>\n"
        body += "<div class=\"buttons\"><button type=\"submit\">Continue</button></div>\n</form>"
        return HTML.page(title: "Working...", body: body, onload: "document.forms[0].submit()")
    }
}

/// Sending the browser back to the application with an `AuthorizeResponse`.
enum AuthorizeRedirect {
    /// `code=…&state=…`, every byte outside RFC 3986's unreserved set escaped.
    static func encode(_ parameters: [AuthorizeResponse.Parameter]) -> String {
        parameters.map { PercentEncoding.encodeComponent($0.name) + "=" + PercentEncoding.encodeComponent($0.value) }
            .joined(separator: "&")
    }

    /// The URL for `query` and `fragment` modes. A redirect URI may carry its own query; its own
    /// fragment is dropped (a redirect URI must not have one, and a second `#` would be ambiguous).
    static func url(_ response: AuthorizeResponse) -> String {
        var base = withPath(response.redirectURI)
        if let hash = base.firstIndex(of: "#") { base = String(base[..<hash]) }
        let encoded = encode(response.parameters)
        if response.responseMode == "fragment" { return base + "#" + encoded }
        let separator = base.contains("?") ? (base.hasSuffix("?") || base.hasSuffix("&") ? "" : "&") : "?"
        return base + separator + encoded
    }

    /// An http(s) redirect URI registered without a path comes back with `/` as its path in query
    /// and fragment responses ("Redirect URI (reply URL) restrictions": `http://localhost:7071` is
    /// returned as `http://localhost:7071/`). Other schemes are left as registered: the doc shows
    /// only http(s), and native apps match their custom-scheme URIs exactly (our choice).
    static func withPath(_ uri: String) -> String {
        guard let scheme = uri.range(of: "://"),
              ["http", "https"].contains(uri[..<scheme.lowerBound].lowercased()) else { return uri }
        let rest = uri[scheme.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        guard authorityEnd == rest.endIndex || rest[authorityEnd] != "/" else { return uri }
        return String(uri[..<authorityEnd]) + "/" + String(uri[authorityEnd...])
    }

    static func response(_ response: AuthorizeResponse, headers extra: [(String, String)] = []) -> HTTPResponse {
        if response.responseMode == "form_post" {
            return .html(SignInPages.formPost(response), headers: extra)
        }
        var headers = HTTPHeaders([("Location", url(response)), ("Cache-Control", "no-store, no-cache"), ("Pragma", "no-cache")])
        for (name, value) in extra { headers.add(name, value) }
        return HTTPResponse(status: 302, headers: headers)
    }
}
