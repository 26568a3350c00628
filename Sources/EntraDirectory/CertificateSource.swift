// A key credential's certificate: inline PEM text or a PEM file next to the scenario.
import Foundation
import JOSE

enum CertificateSource {
    /// Certificates are small; anything larger is not one, and reading it whole would be a waste.
    static let maximumFileSize = 1 << 20

    static func load(_ entry: ObjectReader, baseDirectory: String, _ diagnostics: inout Diagnostics) -> X509Certificate? {
        let inline = entry.string("certificate", &diagnostics)
        let file = entry.string("certificateFile", &diagnostics)
        switch (inline, file) {
        case (nil, nil):
            if !entry.has("certificate"), !entry.has("certificateFile") {
                diagnostics.report(entry.path, "needs 'certificate' (PEM text) or 'certificateFile'")
            }
            return nil
        case (.some, .some):
            diagnostics.report(entry.path, "give either 'certificate' or 'certificateFile', not both")
            return nil
        case (let pem?, nil):
            return parse(pem, at: entry.path.key("certificate"), what: "'certificate'", &diagnostics)
        case (nil, let relative?):
            let path = entry.path.key("certificateFile")
            let resolved = relative.hasPrefix("/") ? relative : (baseDirectory as NSString).appendingPathComponent(relative)
            guard let pem = read(resolved, at: path, shown: relative, &diagnostics) else { return nil }
            return parse(pem, at: path, what: "'\(Spelling.excerpt(relative))'", &diagnostics)
        }
    }

    private static func read(_ file: String, at path: JSONPath, shown: String, _ diagnostics: inout Diagnostics) -> String? {
        let shownName = Spelling.excerpt(shown)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else {
            diagnostics.report(path, "certificate file '\(shownName)' does not exist (looked for \(file))")
            return nil
        }
        guard !isDirectory.boolValue, let handle = FileHandle(forReadingAtPath: file) else {
            diagnostics.report(path, "certificate file '\(shownName)' cannot be read")
            return nil
        }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: maximumFileSize + 1) else {
            diagnostics.report(path, "certificate file '\(shownName)' cannot be read")
            return nil
        }
        guard data.count <= maximumFileSize else {
            diagnostics.report(path, "certificate file '\(shownName)' is larger than 1 MiB: not a certificate")
            return nil
        }
        return String(decoding: data, as: UTF8.self)
    }

    private static func parse(_ pem: String, at path: JSONPath, what: String, _ diagnostics: inout Diagnostics) -> X509Certificate? {
        guard pem.contains("-----BEGIN CERTIFICATE-----"),
              let certificate = try? X509Certificate.parsePEM(pem).first else {
            diagnostics.report(path, "\(what) does not contain a PEM certificate (-----BEGIN CERTIFICATE-----)")
            return nil
        }
        return certificate
    }
}
