import Foundation

/// The non-fuzzing `main` of every fuzz target: runs the target's `exercise` on each file named on
/// the command line (or each file in a named folder), so a crash input or a whole corpus can be
/// replayed with an ordinary build and a debugger.
public enum FuzzReplay {
    public static func run(_ exercise: ([UInt8]) -> Void) {
        var count = 0
        for argument in CommandLine.arguments.dropFirst() {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
                print("no such file: \(argument)")
                exit(2)
            }
            let files = isDirectory.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: argument)) ?? []).sorted().map { argument + "/" + $0 }
                : [argument]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                exercise(Array(data))
                count += 1
            }
        }
        // Replaying nothing proves nothing: an empty or missing corpus is a failure.
        guard count > 0 else {
            print("no inputs to replay")
            exit(1)
        }
        print("replayed \(count) input(s) without a crash")
    }
}
