// libFuzzer target for the scenario loader: any bytes must give a Scenario or problems, never a crash.
// Built normally, it replays the files (or directories of files) named on the command line.
import FuzzSupport
import EntraDirectory

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { ScenarioFuzz.fuzz(data, size) }
#endif

#if !FUZZING
@main
#endif
enum ScenarioFuzz: FuzzTarget {
    static func exercise(_ bytes: [UInt8]) {
        _ = try? ScenarioLoader.load(bytes: bytes, fileName: "fuzz.json", baseDirectory: "/nonexistent")
    }
}
