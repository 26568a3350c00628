import XCTest
@testable import JOSE

final class SecureRandomTests: XCTestCase {
    func testBytesAreFreshEachTime() {
        let draws = (0..<64).map { _ in SecureRandom.bytes(16) }
        XCTAssertTrue(draws.allSatisfy { $0.count == 16 })
        XCTAssertEqual(Set(draws).count, draws.count)
        XCTAssertEqual(SecureRandom.bytes(5000).count, 5000, "larger than the pool: drawn directly")
    }

    func testGeneratorCoversTheRangeUniformlyEnough() {
        var generator = SecureRandom.Generator()
        let lifetimes = (0..<2000).map { _ in Int.random(in: 3600...5399, using: &generator) }
        XCTAssertTrue(lifetimes.allSatisfy { (3600...5399).contains($0) })
        // Both halves of the range are hit often; a constant or stuck generator fails here.
        let low = lifetimes.filter { $0 < 4500 }.count
        XCTAssertGreaterThan(low, 800)
        XCTAssertLessThan(low, 1200)
        XCTAssertGreaterThan(Set(lifetimes).count, 500)
    }
}
