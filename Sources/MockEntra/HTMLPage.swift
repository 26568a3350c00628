import Foundation
import HTTPServer
import TokenService

/// The emulator's HTML pages: one self-contained document each (inline CSS, no external assets,
/// no script except form_post's auto-submit), so they render offline and in headless browsers.
enum HTML {
    /// Escapes text for element content and quoted attribute values. Everything a page echoes
    /// (user names, error texts, the original request) goes through here.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    static func hidden(_ name: String, _ value: String) -> String {
        "<input type=\"hidden\" name=\"\(escape(name))\" value=\"\(escape(value))\">"
    }

    /// A page in the emulator's look. `body` is trusted markup built with `escape`.
    static func page(title: String, body: String, onload: String? = nil) -> String {
        let onloadAttribute = onload.map { " onload=\"\(escape($0))\"" } ?? ""
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex">
        <title>\(escape(title))</title>
        <style>\(style)</style>
        </head><body\(onloadAttribute)><main class="card">
        <div class="brand">MockEntra</div>
        \(body)
        <p class="foot">A local Microsoft Entra ID emulator for tests. Never enter a real password here.</p>
        </main></body></html>
        """
    }

    /// The first sentence of an Entra error, with its code: what a person needs on a page
    /// (`AADSTS50126: Error validating credentials due to invalid username or password.`).
    static func errorSummary(_ error: EntraError) -> String {
        let message = error.message
        let sentence: Substring
        if let end = message.range(of: ". ") {
            sentence = message[..<message.index(after: end.lowerBound)]
        } else {
            sentence = Substring(message)
        }
        return "AADSTS\(error.code): \(sentence)"
    }

    /// An error line above a form, as Entra's pages show a wrong password or code.
    static func errorMessage(_ text: String) -> String {
        "<div class=\"error\" role=\"alert\" id=\"error\">\(escape(text))</div>\n"
    }

    /// An error box: the summary, and the full description (trace and correlation ids) beneath.
    static func errorBox(_ stamped: StampedError) -> String {
        errorMessage(errorSummary(stamped.error))
            + "<details><summary>Troubleshooting details</summary><pre>\(escape(stamped.description))</pre></details>"
    }

    /// The user-name and password fields of the sign-in and device-login forms.
    static func credentialFields(userName: String?) -> String {
        """
        <label for="login">Email or username</label>
        <input type="email" id="login" name="login" autocomplete="username" value="\(escape(userName ?? ""))" required>
        <label for="passwd">Password</label>
        <input type="password" id="passwd" name="passwd" autocomplete="current-password">
        """
    }

    /// A form's two buttons: Cancel (posts `action=<cancel>` without field validation) and the
    /// primary `action=<submit>` button with id `id`.
    static func buttons(cancel: String = "cancel", submit: String, id: String, label: String) -> String {
        """
        <div class="buttons">
        <button type="submit" name="action" value="\(escape(cancel))" class="secondary" formnovalidate>Cancel</button>
        <button type="submit" name="action" value="\(escape(submit))" id="\(escape(id))">\(escape(label))</button>
        </div>
        """
    }

    static let style = """
    body{margin:0;background:#f2f2f2;font:15px/1.4 "Segoe UI",Helvetica,Arial,sans-serif;color:#1b1b1b}
    .card{max-width:440px;margin:48px auto;background:#fff;padding:36px 44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
    .brand{font-weight:600;color:#737373;margin-bottom:16px}
    h1{font-size:24px;font-weight:600;margin:0 0 12px}
    label{display:block;margin-top:12px;font-size:13px;color:#505050}
    input[type=text],input[type=email],input[type=password]{width:100%;box-sizing:border-box;padding:6px 0;
    border:0;border-bottom:1px solid #666;font-size:15px;outline:none}
    .buttons{margin-top:24px;text-align:right}
    button{min-width:108px;padding:6px 12px;font-size:15px;border:1px solid #0067b8;background:#0067b8;color:#fff;cursor:pointer}
    button.secondary{background:#ccc;border-color:#ccc;color:#1b1b1b}
    button.account{display:block;width:100%;text-align:left;background:#fff;color:#1b1b1b;border:0;
    border-bottom:1px solid #e6e6e6;padding:12px 4px}
    button.account:hover{background:#f2f2f2}
    .muted{color:#666;font-size:13px}
    .error{color:#e81123;margin:12px 0}
    .emulator{background:#fff4ce;padding:8px;font-size:13px}
    pre{white-space:pre-wrap;font-size:12px;color:#505050}
    .foot{margin-top:32px;font-size:12px;color:#8a8a8a}
    """
}

extension HTTPResponse {
    /// A page that must not be cached or framed by another site.
    static func html(_ document: String, status: Int = 200, headers extra: [(String, String)] = []) -> HTTPResponse {
        var headers = HTTPHeaders([("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store, no-cache"),
                                   ("Pragma", "no-cache"), ("X-Frame-Options", "DENY"),
                                   ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer")])
        for (name, value) in extra { headers.add(name, value) }
        return HTTPResponse(status: status, headers: headers, body: Array(document.utf8))
    }
}
