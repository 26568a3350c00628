import Foundation
import XCTest
import EntraDirectory
@testable import TokenService

/// Injected faults: the next matching token requests fail as an outage would, and are recorded
/// as such; the rest are handled normally.
final class FaultInjectionTests: XCTestCase {
    func testAFaultAnswersTheNextRequestsThenStops() throws {
        let fixture = try Fixture()
        fixture.service.faults.add(FaultRule(retryAfter: 7, times: 2))
        for _ in 0..<2 {
            let stamped = fixture.reject(Form.secret(), error: "temporarily_unavailable", code: 90006, status: 503)
            XCTAssertEqual(stamped?.error.retryAfter, 7)
            XCTAssertEqual(stamped?.error.message, "The service is temporarily unavailable.")
        }
        XCTAssertEqual(fixture.service.faults.pending, [], "used up")
        _ = try fixture.issue(Form.secret())

        let records = fixture.log.records()
        XCTAssertEqual(records.map { $0.failure?.injected }, [true, true, nil])
        XCTAssertEqual(records[0].client?.appId, IDs.daemon, "who asked is recorded on a faulted request too")
        XCTAssertEqual(records[0].grantType, "client_credentials")
    }

    func testAFaultMatchesItsClientAndGrantOnly() throws {
        let fixture = try Fixture()
        fixture.service.faults.add(FaultRule(clientId: IDs.daemon.uppercased(), grantType: "password", status: 429,
                                             error: "throttled", code: 50196, message: "Too many.", times: 1))
        _ = try fixture.issue(Form.secret(), file: #filePath, line: #line)  // other grant: handled
        XCTAssertEqual(fixture.service.faults.pending.count, 1)
        fixture.reject([("grant_type", "password"), ("client_id", IDs.daemon), ("username", "x"), ("password", "y")],
                       error: "throttled", code: 50196, status: 429, messageContains: "Too many.")
        XCTAssertEqual(fixture.service.faults.pending.count, 0)
    }

    func testRulesApplyInTheOrderTheyWereAddedAndCanBeCleared() throws {
        let fixture = try Fixture()
        let first = try XCTUnwrap(fixture.service.faults.add(FaultRule(status: 500)))
        let second = try XCTUnwrap(fixture.service.faults.add(FaultRule(status: 502)))
        XCTAssertEqual(second.id, first.id + 1)
        fixture.reject(Form.secret(), error: "temporarily_unavailable", code: 90006, status: 500)
        XCTAssertEqual(fixture.service.faults.pending.map(\.id), [second.id])
        fixture.service.faults.clear()
        _ = try fixture.issue(Form.secret())
        XCTAssertEqual(fixture.service.faults.add(FaultRule())?.id, second.id + 1, "ids are never reused")
    }

    func testAFaultComesBeforeTheTenantIsLookedUpAndMatchesABasicClient() throws {
        let fixture = try Fixture()
        fixture.service.faults.add(FaultRule(clientId: IDs.daemon, times: 2))
        fixture.reject(Form.secret(), tenant: "unknown.example", error: "temporarily_unavailable", code: 90006, status: 503)
        let basic = BasicCredentials(clientId: IDs.daemon, secret: IDs.daemonSecret)
        let stamped = fixture.reject([("grant_type", "client_credentials"), ("scope", "api://contoso-api/.default")], basic: basic,
                                     error: "temporarily_unavailable", code: 90006, status: 503)
        XCTAssertNil(stamped?.error.retryAfter, "no Retry-After unless the rule gives one")
    }

    func testAFailedTenantLookupStillRecordsTheGrantType() throws {
        let fixture = try Fixture()
        fixture.reject(Form.secret(), tenant: "unknown.example", error: "invalid_request", code: 90002)
        XCTAssertEqual(fixture.log.records().last?.grantType, "client_credentials")
    }

    func testAtMostAHundredRulesAreInForce() {
        let faults = FaultInjector()
        for _ in 0..<FaultRule.maximumInForce { XCTAssertNotNil(faults.add(FaultRule())) }
        XCTAssertNil(faults.add(FaultRule()))
        XCTAssertEqual(faults.pending.count, FaultRule.maximumInForce)
    }

    func testConcurrentRequestsUseUpExactlyTheRulesTimes() throws {
        let fixture = try Fixture()
        fixture.service.faults.add(FaultRule(times: 10))
        DispatchQueue.concurrentPerform(iterations: 30) { _ in _ = fixture.token(Form.secret()) }
        XCTAssertEqual(fixture.log.records().filter { $0.failure?.injected == true }.count, 10)
        XCTAssertEqual(fixture.log.records().filter { $0.outcome == "issued" }.count, 20)
    }

    func testRulesAreChecked() {
        XCTAssertNil(FaultRule().problem)
        XCTAssertEqual(FaultRule(status: 302).problem, "status must be from 400 to 599")
        XCTAssertEqual(FaultRule(times: 0).problem, "times must be from 1 to 1000")
        XCTAssertEqual(FaultRule(retryAfter: -1).problem, "retryAfter must be from 0 to 3600 seconds")
        XCTAssertEqual(FaultRule(code: 0).problem, "code must be an AADSTS number from 1 to 9999999")
        XCTAssertEqual(FaultRule(error: "two words").problem, "error must be a printable ASCII word of at most 64 bytes")
        XCTAssertEqual(FaultRule(error: "quo\"te").problem, "error must be a printable ASCII word of at most 64 bytes")
        XCTAssertNil(FaultRule(status: 599, retryAfter: 3600, times: 1000).problem)
        XCTAssertNotNil(FaultRule(status: 600).problem)
        XCTAssertNotNil(FaultRule(times: 1001).problem)
        XCTAssertNotNil(FaultRule(code: 10_000_000).problem)
        XCTAssertNotNil(FaultRule(message: String(repeating: "x", count: 1025)).problem)
        XCTAssertNotNil(FaultRule(message: "fake\r\nTrace ID: 1").problem)
        XCTAssertNotNil(FaultRule(clientId: String(repeating: "a", count: 257)).problem)
    }
}

extension FaultInjectionTests {
    /// Scenario files and the control API check `grantType` against this list.
    func testTheKnownGrantTypesAreTheTokenServicesOwn() throws {
        XCTAssertEqual(FaultRule.knownGrantTypes, try Fixture().service.grantTypes)
    }
}
