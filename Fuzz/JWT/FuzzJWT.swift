// Fuzz target for JWT parsing and verification (JOSE).
//
// Built with -DFUZZING and the fuzzer + address sanitizers, libFuzzer drives `exercise` with
// mutated inputs. Seeds live in Fuzz/corpus/JWT/ (SwiftPM warns about non-source files in a target folder). Built normally, it replays the files named on the command line (a corpus or a
// crash reproducer), so the same code path runs in plain debug builds and CI.
import FuzzSupport
import JOSE

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { JWTFuzz.fuzz(data, size) }
#endif

/// A fixed verification key, built once (libFuzzer's main replaces top-level code, so no globals
/// with side effects). The public half of Keys/signing-1 at the time the seeds were made, as JWK
/// n/e; after a key regeneration the seed tokens stop verifying, which costs coverage of the
/// success path: JOSETests (FuzzSeedTests) fails then, so seeds and this key are remade.
enum FuzzKey {
    static let key: RSAPublicKey? = {
        let n = "oY0b_3LV82ywCcQ7t6RRSuraLG3bi6AqI8K9TCKTdM1Lfvmn_aSXFK261wnM2oF3nTCsxJW1HvD2PUtnu9EhcqK3rVl1SC_nGvAVu-D_6agxWlNWXADC4rh2Qq3hxCBQmAlX4oBbaNqe1QFQ6LYHUcaySBX98ra_phqEoflM_O-O4nvhQYej7kuB197sTEtbV_pE6C0CmQdKUItCZRzCePoYejgHlr_YB2aPGxBC_pYlK1OxpgJDv70pAhoSRyK6xZMd8mpb4dmfi8P8GY1QlB5LMKec6Yua-xw3UsX8FglYiS2vG5GAdkWjafjYVpC-GtDlhP5Iu6o8hcp0HbudIw"
        guard let modulus = Base64URL.decode(n), let exponent = Base64URL.decode("AQAB") else { return nil }
        return try? RSAPublicKey(modulus: modulus, exponent: exponent)
    }()
}

#if !FUZZING
@main
#endif
enum JWTFuzz: FuzzTarget {
    /// Feeds `bytes` to every parser on the token-validation path.
    static func exercise(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        _ = Base64URL.decode(text)
        if let jwt = try? JWT.decode(text), let key = FuzzKey.key {
            // Touch everything a caller would read, then verify under every allowed-set shape.
            _ = jwt.algorithm
            _ = jwt.header["kid"]?.stringValue
            _ = jwt.payload["exp"]?.doubleValue
            _ = try? jwt.verifySignature(with: key, allowed: Set(JWSAlgorithm.allCases))
            _ = try? jwt.verifySignature(with: key, allowed: [])
        }
        // Differential check of the strict JSON parser: whatever it accepts, JSONDecoder must accept
        // with the same meaning (the reverse does not hold: the strict parser refuses more).
        if let strict = try? JSONValue.parseStrict(bytes) {
            if let foundation = try? JSONValue.parse(bytes) {
                guard foundation == strict else { fatalError("strict JSON parser disagrees with JSONDecoder on \(bytes)") }
            } else if !hasZeroWithExponent(bytes) {
                fatalError("strict JSON parser accepts what JSONDecoder refuses: \(bytes)")
            }
        }
    }
}

/// Foundation's JSONDecoder (Swift 6.3, Linux) refuses numbers with a zero mantissa and an
/// exponent, such as `0e9` or `-0.0e-3`, which RFC 8259 allows and the strict parser accepts: the
/// one known, harmless difference. Detected loosely (also inside strings), which only weakens the check.
func hasZeroWithExponent(_ bytes: [UInt8]) -> Bool {
    for index in bytes.indices where bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
        var cursor = index
        var sawZero = false
        while cursor > 0 {
            let previous = bytes[cursor - 1]
            if previous == UInt8(ascii: "0") { sawZero = true } else if previous != UInt8(ascii: ".") { break }
            cursor -= 1
        }
        let before = cursor > 0 ? bytes[cursor - 1] : 0
        if sawZero && !(before >= UInt8(ascii: "1") && before <= UInt8(ascii: "9")) { return true }
    }
    return false
}
