import Foundation
import XCTest
@testable import TokenService

final class ExchangeLogTests: XCTestCase {
    private static func record(client: String? = nil, grant: String? = "client_credentials", outcome: String = "issued") -> ExchangeRecord {
        var record = ExchangeRecord(endpoint: "/t/oauth2/v2.0/token", time: Date(timeIntervalSince1970: 1_700_000_000),
                                    traceId: UUID().uuidString.lowercased(), correlationId: UUID().uuidString.lowercased())
        record.grantType = grant
        record.outcome = outcome
        if let client { record.client = .init(appId: client, displayName: nil, authenticationMethod: .clientSecretPost) }
        return record
    }

    func testCapacityKeepsTheNewestAndCountsEvicted() throws {
        let log = try ExchangeLog(capacity: 3)
        for index in 1...7 { XCTAssertEqual(log.append(Self.record()), index) }
        XCTAssertEqual(log.records().map(\.sequence), [5, 6, 7])
        XCTAssertEqual(log.evicted, 4)
        XCTAssertEqual(log.capacity, 3)
    }

    func testClearKeepsCounting() throws {
        let log = try ExchangeLog(capacity: 2)
        for _ in 1...3 { log.append(Self.record()) }
        log.clear()
        XCTAssertTrue(log.records().isEmpty)
        XCTAssertEqual(log.append(Self.record()), 4)
        XCTAssertEqual(log.append(Self.record()), 5)
        XCTAssertEqual(log.append(Self.record()), 6)
        XCTAssertEqual(log.records().map(\.sequence), [5, 6])
    }

    func testConcurrentAppendsLoseNothing() throws {
        let log = try ExchangeLog(capacity: 1000)
        let threads = 8, perThread = 500
        let sequences = Locked<[Int]>([])
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            var mine: [Int] = []
            for _ in 0..<perThread { mine.append(log.append(Self.record(client: "client-\(thread)"))) }
            sequences.withValue { $0.append(contentsOf: mine) }
        }
        let all = sequences.withValue { $0 }.sorted()
        XCTAssertEqual(all, Array(1...(threads * perThread)))
        let kept = log.records()
        XCTAssertEqual(kept.count + log.evicted, threads * perThread)
        XCTAssertEqual(kept.map(\.sequence), Array((threads * perThread - 999)...(threads * perThread)))
    }

    func testConcurrentAppendsWithoutEviction() throws {
        let log = try ExchangeLog(capacity: 10_000)
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for _ in 0..<500 { log.append(Self.record(client: "client-\(thread)")) }
        }
        XCTAssertEqual(log.records().map(\.sequence), Array(1...4000))
        XCTAssertEqual(log.evicted, 0)
        for thread in 0..<8 {
            XCTAssertEqual(log.records(matching: .init(clientId: "CLIENT-\(thread)")).count, 500)
        }
    }

    func testRecordFileGetsOneLinePerRecord() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("exchanges-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let log = try ExchangeLog(capacity: 2, recordFile: path)
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for _ in 0..<25 { log.append(Self.record(client: "c")) }
        }
        log.close()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.last, "", "ends with a newline")
        let records = lines.dropLast().map { line -> ExchangeRecord? in
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try? decoder.decode(ExchangeRecord.self, from: Data(line.utf8))
        }
        XCTAssertEqual(records.count, 100)
        XCTAssertEqual(records.compactMap { $0?.sequence }, Array(1...100), "the file is in sequence order, every record present")
        XCTAssertEqual(log.evicted, 98)
    }

    func testFilters() throws {
        let log = try ExchangeLog()
        log.append(Self.record(client: "A", outcome: "issued"))
        log.append(Self.record(client: "B", outcome: "error"))
        log.append(Self.record(client: "a", grant: "refresh_token", outcome: "error"))
        log.append(Self.record(client: nil, grant: nil, outcome: "error"))
        XCTAssertEqual(log.records(matching: .init(clientId: "a")).map(\.sequence), [1, 3])
        XCTAssertEqual(log.records(matching: .init(outcome: "error")).map(\.sequence), [2, 3, 4])
        XCTAssertEqual(log.records(matching: .init(grantType: "client_credentials")).map(\.sequence), [1, 2])
        XCTAssertEqual(log.records(matching: .init(afterSequence: 2)).map(\.sequence), [3, 4])
        XCTAssertEqual(log.records(matching: .init(clientId: "A", outcome: "error")).map(\.sequence), [3])
        XCTAssertEqual(log.records(matching: .init(clientId: "nobody")).count, 0)
        XCTAssertEqual(log.records().count, 4)
    }

    func testTokenServiceAppendsOneRecordPerRequest() throws {
        let fixture = try Fixture(capacity: 5)
        for _ in 0..<3 { _ = fixture.token(Form.secret()) }
        for _ in 0..<4 { _ = fixture.token(Form.secret(secret: "x")) }
        XCTAssertEqual(fixture.log.records().map(\.sequence), [3, 4, 5, 6, 7])
        XCTAssertEqual(fixture.log.evicted, 2)
        XCTAssertEqual(fixture.log.records(matching: .init(outcome: "issued")).count, 1)
        XCTAssertEqual(fixture.log.records(matching: .init(clientId: IDs.daemon, outcome: "issued")).count, 1)
    }
}

/// A value behind a lock, for collecting results from concurrent work.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withValue<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
