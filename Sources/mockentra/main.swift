import COpenSSL
import Dispatch
import EntraDirectory
import Foundation
import MockEntra

/// Exit codes from sysexits.h, so scripts can tell a typo from a broken scenario from a busy port.
enum ExitCode {
    static let stepFailed: Int32 = 1
    static let usage: Int32 = 64
    static let invalidScenario: Int32 = 65
    static let unavailable: Int32 = 69
}

func fail(_ message: String, code: Int32) -> Never {
    FileHandle.standardError.write(Data("mockentra: \(message)\n".utf8))
    exit(code)
}

/// A scenario's problems on stderr, one `file: json.path: reason` per line.
func report(_ error: ScenarioLoadError) {
    FileHandle.standardError.write(Data(error.problems.map { "\($0)\n" }.joined().utf8))
}

// A ready line must reach a pipe at once, even when stdout is not a terminal.
mockentra_line_buffer_stdout()

let command: Command
do {
    command = try CommandLineParser.parse(Array(CommandLine.arguments.dropFirst()))
} catch {
    fail("\(error)\n\n\(CommandLineParser.usage)", code: ExitCode.usage)
}

switch command {
case .help:
    print(CommandLineParser.usage)
case .validate(let files):
    exit(Validate.run(files))
case .check(let files):
    exit(Check.run(files))
case .serve(let options):
    Serve.run(options)
}
