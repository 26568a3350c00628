import Foundation
import HTTPServer
import TokenService

/// The MFA step of the sign-in and device-login pages: a one-time code "sent" to the user. There is
/// no phone, so the page itself says the code, in a box marked as the emulator's (and
/// `GET /_mockentra/users/{upn}/mfa-code` returns it): tests can type it, or type a wrong one.
enum SecondFactorPages {
    /// Entra's wording for a wrong code.
    static let wrongCodeMessage = "You didn't enter the expected verification code. Please try again."

    /// `hidden` are the fields the form must post back (the sign-in context or the device code);
    /// the step id and the code field are added here.
    static func codePage(action: String, hidden: [(String, String)], userName: String, prompt: SecondFactorPrompt,
                         error: String? = nil) -> String {
        var body = "<h1>Enter code</h1>\n<p class=\"muted\">\(HTML.escape(userName))</p>\n"
        if let error { body += HTML.errorMessage(error) }
        body += """
        <p>We texted a verification code to your phone. Enter the code to sign in.</p>
        <p class="emulator" id="emulator-code">MockEntra has no phone to text: the code is <code id="one-time-code">\(HTML.escape(prompt.code))</code></p>
        <form method="post" action="\(HTML.escape(action))" id="mfa">
        \(hidden.map { HTML.hidden($0.0, $0.1) }.joined(separator: "\n"))
        \(HTML.hidden("mfa_step", prompt.stepId))
        <label for="otc_code">Code</label>
        <input type="text" id="otc_code" name="otc_code" inputmode="numeric" autocomplete="one-time-code" required>
        \(HTML.buttons(submit: "verify", id: "verify", label: "Verify"))
        </form>
        """
        return HTML.page(title: "Enter code", body: body)
    }

    /// MFA is required and the user has no method registered (AADSTS50079). In Entra the user would
    /// be sent to register one; the emulator cannot, so the page explains and offers the way back.
    static func enrolmentRequired(action: String, hidden: [(String, String)], details: StampedError) -> String {
        var body = "<h1>More information required</h1>\n"
        body += "<p>Your organization needs more information to keep your account secure.</p>\n"
        body += HTML.errorBox(details)
        body += """
        <p class="emulator">MockEntra cannot register a method: give the user <code>"mfa": {"registered": true}</code> in the scenario.</p>
        <form method="post" action="\(HTML.escape(action))" id="enrol">
        \(hidden.map { HTML.hidden($0.0, $0.1) }.joined(separator: "\n"))
        <div class="buttons"><button type="submit" name="action" value="abandon" id="back">Back to the application</button></div>
        </form>
        """
        return HTML.page(title: "More information required", body: body)
    }
}
