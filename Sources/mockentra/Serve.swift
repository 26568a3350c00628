import Dispatch
import EntraDirectory
import Foundation
import MockEntra

/// `mockentra serve`: load, listen, print the ready line and the guide, run until SIGINT/SIGTERM.
enum Serve {
    /// The machine-readable first line.
    struct ReadyLine: Encodable {
        let url: String
        let tenant: String
        let caFile: String
        let port: Int
        let ports: [Int]
        let issuer: String
        let tokenEndpoint: String
        let scenario: String
        let tls: Bool
    }

    static func run(_ options: ServeOptions) -> Never {
        let scenario: Scenario
        do {
            scenario = try ScenarioLoader.load(file: options.scenarioFile)
        } catch {
            let lines = error.problems.map(\.description).joined(separator: "\n")
            fail("the scenario is invalid; nothing was started.\n\(lines)", code: ExitCode.invalidScenario)
        }

        let server: MockEntraServer
        do {
            server = try MockEntraServer.start(scenario: scenario, options: options.server)
        } catch {
            fail("could not start: \(error)", code: ExitCode.unavailable)
        }

        let ready = ReadyLine(url: server.authority, tenant: server.tenantId, caFile: absolute(server.caFile),
                              port: server.port, ports: server.listeners.map(\.port), issuer: server.issuer,
                              tokenEndpoint: server.tokenEndpoint, scenario: absolute(options.scenarioFile),
                              tls: server.primary.isTLS)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        print(String(decoding: (try? encoder.encode(ready)) ?? Data("{}".utf8), as: UTF8.self))
        print(Guide.text(server: server, scenario: scenario, caFile: ready.caFile))

        installSignalHandlers(server)
        dispatchMain()
    }

    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// Sources stay alive for the life of the process.
    nonisolated(unsafe) static var signalSources: [DispatchSourceSignal] = []

    static func installSignalHandlers(_ server: MockEntraServer) {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .main)
            source.setEventHandler {
                server.stop()
                print("mockentra: stopped")
                exit(0)
            }
            source.resume()
            signalSources.append(source)
        }
    }
}
