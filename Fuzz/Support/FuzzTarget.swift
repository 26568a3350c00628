/// What every fuzz target is: one function that takes any bytes and traps only on a real bug.
///
/// A target declares `enum …: FuzzTarget`, marked `@main` in ordinary builds (the replay main
/// below). Under `-DFUZZING` libFuzzer supplies `main` and calls the C symbol
/// `LLVMFuzzerTestOneInput`, which must be a global function of the executable itself
/// (`@_cdecl` does not apply to members, and nothing of ours runs before libFuzzer's first call to
/// register a target elsewhere); that one-line function forwards to `fuzz(_:_:)`.
public protocol FuzzTarget {
    static func exercise(_ bytes: [UInt8])
}

extension FuzzTarget {
    /// The ordinary build's main: replays the files or folders named on the command line.
    public static func main() { FuzzReplay.run(exercise) }

    /// The body of `LLVMFuzzerTestOneInput`.
    public static func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
        exercise(Array(UnsafeBufferPointer(start: data, count: size)))
        return 0
    }
}
