// Entry point: scenario bytes or file → a validated Scenario, or every problem found.
import Foundation
import JOSE

public enum ScenarioLoader {
    /// Scenario files are hand-written; anything this large is a mistake (or an attack), not a scenario.
    static let maximumFileSize = 16 << 20

    public static func load(file path: String) throws(ScenarioLoadError) -> Scenario {
        let url = URL(fileURLWithPath: path)
        let data: Data
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            if let size = attributes[.size] as? Int, size > maximumFileSize {
                throw ScenarioLoadError(problems: [ScenarioProblem(file: path, path: "$", reason: "file is larger than 16 MiB")])
            }
            data = try Data(contentsOf: url)
        } catch let error as ScenarioLoadError {
            throw error
        } catch {
            throw ScenarioLoadError(problems: [ScenarioProblem(file: path, path: "$", reason: "cannot read the file (\(error.localizedDescription))")])
        }
        let scenario = try load(bytes: Array(data), fileName: path, baseDirectory: url.deletingLastPathComponent().path)
        return Scenario(directory: scenario.directory, sourceFile: path, steps: scenario.steps, faults: scenario.faults)
    }

    /// Loads a scenario held in memory. `fileName` appears in problems; relative `certificateFile`
    /// paths resolve against `baseDirectory`. The result's `sourceFile` is nil.
    public static func load(bytes: [UInt8], fileName: String, baseDirectory: String) throws(ScenarioLoadError) -> Scenario {
        var diagnostics = Diagnostics(file: fileName)
        guard bytes.count <= maximumFileSize else {
            diagnostics.report(.root, "scenario is larger than 16 MiB")
            throw ScenarioLoadError(problems: diagnostics.problems)
        }
        // Scenario files are UTF-8; checked first so the error can say where.
        if let offset = SyntaxErrorText.firstInvalidUTF8(in: bytes) {
            let position = SyntaxErrorText.lineAndColumn(of: offset, in: bytes)
            diagnostics.report(.root, "invalid UTF-8 at line \(position.line), column \(position.column) (byte \(offset))")
            throw ScenarioLoadError(problems: diagnostics.problems)
        }
        let document: JSONValue
        switch JSON5Reader.read(bytes) {
        case .success(let value):
            document = value
        case .failure(let failure):
            diagnostics.report(.root, SyntaxErrorText.describe(failure, in: bytes))
            throw ScenarioLoadError(problems: diagnostics.problems)
        }
        let directory = DocumentLoader(baseDirectory: baseDirectory).load(document, &diagnostics)
        var steps: [ScenarioStep] = []
        var faults: [FaultRule] = []
        if let directory, let root = ObjectReader(document, at: .root, &diagnostics) {
            steps = StepLoader(directory: directory).load(root, &diagnostics)
            faults = FaultLoader.load(root, &diagnostics)
        }
        guard diagnostics.problems.isEmpty, let directory else {
            if diagnostics.problems.isEmpty { diagnostics.report(.root, "scenario could not be loaded") }
            throw ScenarioLoadError(problems: diagnostics.problems)
        }
        return Scenario(directory: directory, sourceFile: nil, steps: steps, faults: faults)
    }
}

/// The two top-level shapes: one tenant (`tenant` + collections at the top) or several
/// (`tenants: [{ tenant, applications, … }]`).
struct DocumentLoader {
    let baseDirectory: String

    func load(_ document: JSONValue, _ diagnostics: inout Diagnostics) -> Directory? {
        guard let root = ObjectReader(document, at: .root, &diagnostics) else { return nil }
        root.rejectUnknownKeys(allowed: ["$schema", "description", "tenant", "tenants", "steps", "faults"] + TenantLoader.collectionKeys, &diagnostics)
        _ = root.string("$schema", &diagnostics)
        _ = root.string("description", &diagnostics)
        let tenantLoader = TenantLoader(baseDirectory: baseDirectory)

        var tenants: [(tenant: Tenant, path: JSONPath)] = []
        switch (root.has("tenant"), root.has("tenants")) {
        case (true, true):
            diagnostics.report(.root, "give either 'tenant' (one tenant) or 'tenants' (several), not both")
            return nil
        case (false, false):
            diagnostics.report(.root, "required property 'tenant' (or 'tenants') is missing")
            return nil
        case (true, false):
            guard let header = root.object("tenant", &diagnostics) else { return nil }
            if let tenant = tenantLoader.load(header: header, collections: root, &diagnostics) {
                tenants.append((tenant, header.path))
            }
        case (false, true):
            // Collections belong inside each tenant when there are several.
            for key in TenantLoader.collectionKeys where root.has(key) {
                diagnostics.report(root.path.key(key), "with 'tenants', put '\(key)' inside each tenant")
            }
            guard let elements = root.array("tenants", &diagnostics) else { return nil }
            if elements.isEmpty { diagnostics.report(root.path.key("tenants"), "must list at least one tenant") }
            for element in elements {
                guard let entry = ObjectReader(element.value, at: element.path, &diagnostics) else { continue }
                entry.rejectUnknownKeys(allowed: ["tenant"] + TenantLoader.collectionKeys, &diagnostics)
                guard let header = entry.object("tenant", required: true, &diagnostics) else { continue }
                if let tenant = tenantLoader.load(header: header, collections: entry, &diagnostics) {
                    tenants.append((tenant, header.path))
                }
            }
        }
        checkTenantsDistinct(tenants, &diagnostics)
        checkOneSystemAssignedIdentity(tenants, &diagnostics)
        checkFederatedEntraIssuers(tenants, &diagnostics)
        return Directory(tenants: tenants.map(\.tenant))
    }

    /// The emulated Azure host has one system-assigned managed identity at most (IMDS and App
    /// Service hand it out when no identity is selected), and a resource id names one identity.
    private func checkOneSystemAssignedIdentity(_ tenants: [(tenant: Tenant, path: JSONPath)], _ diagnostics: inout Diagnostics) {
        var first: String?
        var resourceIds: [String: String] = [:]
        for (tenant, path) in tenants {
            for app in tenant.applications {
                guard let identity = app.managedIdentity else { continue }
                if identity.kind == .systemAssigned {
                    if let first {
                        diagnostics.report(path, "'\(Spelling.excerpt(app.displayName))' is a second system-assigned managed identity (also '\(first)'); the host has one")
                    } else {
                        first = app.displayName
                    }
                }
                if let other = resourceIds[identity.resourceId.lowercased()] {
                    diagnostics.report(path, "managed identities '\(other)' and '\(Spelling.excerpt(app.displayName))' have one resource id; give one a resourceId")
                } else {
                    resourceIds[identity.resourceId.lowercased()] = app.displayName
                }
            }
        }
    }

    /// A federated credential naming Entra's issuer for a tenant trusts MockEntra's own tokens for
    /// it: the tenant must be one of the scenario's, by id (tokens carry the id).
    private func checkFederatedEntraIssuers(_ tenants: [(tenant: Tenant, path: JSONPath)], _ diagnostics: inout Diagnostics) {
        let ids = Set(tenants.map(\.tenant.id))
        for (tenant, path) in tenants {
            for app in tenant.applications {
                for credential in app.federatedIdentityCredentials {
                    if let tenantId = credential.entraTenantId, credential.certificate == nil, !ids.contains(tenantId) {
                        diagnostics.report(path, "'\(Spelling.excerpt(app.displayName))': federated credential issuer '\(Spelling.excerpt(credential.issuer))' names no tenant of this scenario (use its tenant id)")
                    }
                }
            }
        }
    }

    /// `Directory.tenant(matching:)` must be unambiguous: ids and domains are unique across tenants.
    private func checkTenantsDistinct(_ tenants: [(tenant: Tenant, path: JSONPath)], _ diagnostics: inout Diagnostics) {
        var owners: [String: JSONPath] = [:]
        for (tenant, path) in tenants {
            if let other = owners[tenant.id] {
                diagnostics.report(path.key("id"), "tenant id \(tenant.id) is also used by \(other)")
            } else {
                owners[tenant.id] = path
            }
            for domain in tenant.domains {
                if let other = owners["domain:" + domain] {
                    diagnostics.report(path.key("domains"), "domain '\(domain)' also belongs to \(other)")
                } else {
                    owners["domain:" + domain] = path
                }
            }
        }
    }
}

/// Positions for syntax errors: "syntax error at line L, column C: …".
enum SyntaxErrorText {
    static func describe(_ failure: JSON5Reader.Failure, in bytes: [UInt8]) -> String {
        let position = lineAndColumn(of: failure.offset, in: bytes)
        return "syntax error at line \(position.line), column \(position.column): \(failure.message)"
    }

    /// The byte offset of the first invalid UTF-8 sequence, or nil if the bytes are valid UTF-8.
    static func firstInvalidUTF8(in bytes: [UInt8]) -> Int? {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    /// 1-based line and column of a byte offset; columns count characters (UTF-8 continuation
    /// bytes do not advance them), as editors show them.
    static func lineAndColumn(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for byte in bytes.prefix(max(0, offset)) {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return (line, column)
    }
}
