import Foundation
import MockEntra

/// What the command line asked for. Parsed into a value before anything starts, so a typo is an
/// error message and exit code 64, never a half-started server.
enum Command: Sendable {
    case serve(ServeOptions)
    case validate([String])
    case check([String])
    case help
}

struct ServeOptions: Sendable {
    var scenarioFile = BundledFiles.defaultScenario
    var server = MockEntraOptions()
}

struct UsageError: Error, CustomStringConvertible {
    let description: String
}

enum CommandLineParser {
    static let defaultPort = 8443

    static func parse(_ arguments: [String]) throws -> Command {
        guard let first = arguments.first else { return .serve(defaultServe()) }
        switch first {
        case "-h", "--help", "help":
            return .help
        case "validate":
            let files = Array(arguments.dropFirst())
            if files.isEmpty { throw UsageError(description: "validate needs at least one scenario file") }
            return .validate(files)
        case "check":
            let files = Array(arguments.dropFirst())
            if files.isEmpty { throw UsageError(description: "check needs at least one scenario file") }
            return .check(files)
        case "serve":
            return .serve(try parseServe(Array(arguments.dropFirst())))
        default:
            if first.hasPrefix("-") { return .serve(try parseServe(arguments)) }
            throw UsageError(description: "unknown command '\(first)'")
        }
    }

    static func defaultServe() -> ServeOptions {
        var options = ServeOptions()
        options.server.ports = [defaultPort]
        return options
    }

    static func parseServe(_ arguments: [String]) throws -> ServeOptions {
        var options = ServeOptions()
        var ports: [Int] = []
        var index = 0
        func value(_ flag: String) throws -> String {
            index += 1
            guard index < arguments.count else { throw UsageError(description: "\(flag) needs a value") }
            return arguments[index]
        }
        func port(_ flag: String) throws -> Int {
            let text = try value(flag)
            guard let port = Int(text), (0...65535).contains(port) else {
                throw UsageError(description: "\(flag) needs a port number from 0 to 65535, not '\(text)'")
            }
            return port
        }
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--scenario", "-s":
                options.scenarioFile = try value(argument)
            case "--port", "-p":
                ports.append(try port(argument))
            case "--http-port":
                options.server.httpPorts.append(try port(argument))
            case "--host":
                options.server.host = try value(argument)
            case "--http":
                options.server.plainHTTP = true
            case "--record":
                options.server.recordFile = try value(argument)
            case "--keys":
                options.server.keysDirectory = try value(argument)
            default:
                throw UsageError(description: "unknown option '\(argument)'")
            }
            index += 1
        }
        options.server.ports = ports.isEmpty ? [defaultPort] : ports
        return options
    }

    static let usage = """
    mockentra: a local identity provider that MSAL and azure-identity cannot tell from Microsoft Entra ID.

    Usage:
      mockentra                          serve the built-in default scenario on https://localhost:8443
      mockentra serve [options]          serve a scenario
      mockentra validate FILE...         check scenario files and report every problem
      mockentra check FILE...            run the scenario files' steps; stop at the first unmet expectation
      mockentra --help                   this text

    Serve options:
      --scenario, -s FILE   scenario file (default: Scenarios/default.json)
      --port, -p N          TLS listener port; repeat for several (e.g. -p 8443 -p 443); 0 = any free port
      --http-port N         an extra plain-HTTP listener (curl, clients without the CA)
      --http                serve the --port listeners without TLS (msal and azure-identity refuse http)
      --host H              address to bind (default 127.0.0.1)
      --record FILE         append every exchange record to FILE as JSON lines
      --keys DIR            development keys folder (default: the repository's Keys/); test keys
                            only: tokens are signed without blinding or fault check (Keys/README.md)

    The first line printed is one JSON object: url, tenant, caFile, port, ports, issuer, tokenEndpoint.
    Exit codes: 0 stopped cleanly (check: every step passed), 1 a step of check failed, 64 usage error,
    65 invalid scenario, 69 could not start (listen, keys, record file).
    """
}
