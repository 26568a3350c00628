// libFuzzer target for the scenario loader: any bytes must give a Scenario or problems, never a crash.
// Built normally, it replays the files (or directories of files) named on the command line.
import EntraDirectory
import Foundation

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    exercise(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
#else
@main
struct Replay {
    static func main() {
        var count = 0
        for argument in CommandLine.arguments.dropFirst() {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
                print("skipping \(argument): no such file")
                continue
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
        print("replayed \(count) input(s) without a crash")
    }
}
#endif

func exercise(_ bytes: [UInt8]) {
    _ = try? ScenarioLoader.load(bytes: bytes, fileName: "fuzz.json", baseDirectory: "/nonexistent")
}
