// libFuzzer target for the scenario loader: any bytes must give a Scenario or problems, never a crash.
// Built normally, it replays the files (or directories of files) named on the command line.
import FuzzSupport
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
    static func main() { FuzzReplay.run(exercise) }
}
#endif

func exercise(_ bytes: [UInt8]) {
    _ = try? ScenarioLoader.load(bytes: bytes, fileName: "fuzz.json", baseDirectory: "/nonexistent")
}
