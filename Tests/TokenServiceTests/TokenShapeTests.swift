import Foundation
import XCTest
import EntraDirectory
import JOSE
@testable import TokenService

/// The tokens of a successful client-credentials exchange, claim by claim.
final class TokenShapeTests: XCTestCase {
    var fixture: Fixture!

    override func setUpWithError() throws {
        fixture = try Fixture()
    }

    private var tenant: Tenant { fixture.service.directory.tenants[0] }
    private var daemon: Application { tenant.application(appId: IDs.daemon)! }

    func testV2ResourceToken() throws {
        let tokens = try fixture.issue(Form.secret())
        XCTAssertEqual(tokens.endpoint, .v2)
        XCTAssertEqual(tokens.tokenType, "Bearer")
        XCTAssertNil(tokens.scope)
        XCTAssertNil(tokens.refreshToken)
        XCTAssertNil(tokens.idToken)
        XCTAssertNil(tokens.resource)
        let jwt = try JWT.decode(tokens.accessToken)
        let p = jwt.payload
        XCTAssertEqual(p["aud"]?.stringValue, IDs.api)
        XCTAssertEqual(p["iss"]?.stringValue, "\(IDs.baseURL)/\(IDs.tenant)/v2.0")
        XCTAssertEqual(p["tid"]?.stringValue, IDs.tenant)
        XCTAssertEqual(p["azp"]?.stringValue, IDs.daemon)
        XCTAssertEqual(p["azpacr"]?.stringValue, "1")
        XCTAssertNil(p["idtyp"], "an optional claim this API does not ask for")
        XCTAssertEqual(p["oid"]?.stringValue, daemon.servicePrincipalId)
        XCTAssertEqual(p["sub"]?.stringValue, daemon.servicePrincipalId)
        XCTAssertNotEqual(daemon.servicePrincipalId, daemon.appId)
        XCTAssertEqual(p["roles"], .array(["Orders.Read.All"]))
        XCTAssertEqual(p["ver"]?.stringValue, "2.0")
        XCTAssertNil(p["appid"]); XCTAssertNil(p["appidacr"]); XCTAssertNil(p["idp"]); XCTAssertNil(p["scp"])
        XCTAssertEqual(p["uti"]?.stringValue?.count, 22)
        XCTAssertNotNil(p["aio"]?.stringValue)
        XCTAssertTrue(p["rh"]?.stringValue?.hasPrefix("0.") ?? false)
        XCTAssertEqual(jwt.header["alg"]?.stringValue, "RS256")
        XCTAssertEqual(jwt.header["typ"]?.stringValue, "JWT")
        XCTAssertEqual(jwt.header["kid"]?.stringValue, fixture.service.keys.active.keyId)
        XCTAssertNil(jwt.header["x5t"])

        let record = try XCTUnwrap(fixture.log.records().last)
        XCTAssertEqual(record.outcome, "issued")
        XCTAssertNil(record.failure)
        XCTAssertEqual(record.grantedRoles, ["Orders.Read.All"])
        XCTAssertEqual(record.resource?.appId, IDs.api)
        XCTAssertEqual(record.resource?.requestedAs, "api://contoso-api")
        XCTAssertEqual(record.resource?.tokenVersion, "2.0")
        XCTAssertEqual(record.subject?.id, daemon.servicePrincipalId)
        XCTAssertEqual(record.issuedTokens.map(\.uti), [p["uti"]?.stringValue ?? "?"])
    }

    /// `aio` and `rh` depend only on what the token is about: the same tenant, client and resource
    /// give the same values in every run (and the cached pair equals the values derived one by one).
    func testAioAndRhAreDerivedFromTheSubjectOfTheToken() throws {
        let first = try JWT.decode(fixture.issue(Form.secret()).accessToken).payload
        let second = try JWT.decode(fixture.issue(Form.secret()).accessToken).payload
        XCTAssertEqual(first["aio"]?.stringValue, second["aio"]?.stringValue)
        XCTAssertEqual(first["rh"]?.stringValue, second["rh"]?.stringValue)
        XCTAssertNotEqual(first["uti"]?.stringValue, second["uti"]?.stringValue)
        let parts = [IDs.tenant, IDs.daemon, IDs.api]
        let pair = Identifiers.aioAndRH(parts[0], parts[1], parts[2])
        XCTAssertEqual(pair.aio, Identifiers.opaque("aio", parts[0], parts[1], parts[2], length: 43))
        XCTAssertEqual(pair.rh, "0." + Identifiers.opaque("rh", parts[0], parts[1], parts[2], length: 40) + ".")
        XCTAssertEqual(first["aio"]?.stringValue, pair.aio)
        XCTAssertEqual(first["rh"]?.stringValue, pair.rh)
    }

    func testV2ResourceByAppId() throws {
        let tokens = try fixture.issue(Form.secret(scope: "\(IDs.api)/.default"))
        XCTAssertEqual(try JWT.decode(tokens.accessToken).payload["aud"]?.stringValue, IDs.api)
        XCTAssertEqual(fixture.log.records().last?.resource?.requestedAs, IDs.api)
    }

    /// `idtyp` is an optional claim: app-only tokens carry `idtyp: app` for an API that lists it.
    func testIdtypWhenTheAPIAsksForIt() throws {
        let scenario = testScenarioText.replacingOccurrences(
            of: #"displayName: "Contoso API","#, with: #"displayName: "Contoso API", optionalClaims: { accessToken: [ { name: "idtyp" } ] },"#)
        XCTAssertNotEqual(scenario, testScenarioText)
        fixture = try Fixture(scenario: scenario)
        XCTAssertEqual(try JWT.decode(try fixture.issue(Form.secret()).accessToken).payload["idtyp"]?.stringValue, "app")
    }

    func testV1ResourceTokenThroughV2Endpoint() throws {
        let tokens = try fixture.issue(Form.secret(scope: "https://legacy.contoso.test/.default"))
        XCTAssertEqual(tokens.endpoint, .v2)
        let jwt = try JWT.decode(tokens.accessToken)
        let p = jwt.payload
        XCTAssertEqual(p["aud"]?.stringValue, "https://legacy.contoso.test")
        XCTAssertEqual(p["iss"]?.stringValue, "https://sts.windows.net/\(IDs.tenant)/")
        XCTAssertEqual(p["appid"]?.stringValue, IDs.daemon)
        XCTAssertEqual(p["appidacr"]?.stringValue, "1")
        XCTAssertEqual(p["idp"]?.stringValue, "https://sts.windows.net/\(IDs.tenant)/")
        XCTAssertEqual(p["ver"]?.stringValue, "1.0")
        XCTAssertEqual(p["roles"], .array(["Legacy.Access"]))
        XCTAssertNil(p["azp"]); XCTAssertNil(p["azpacr"])
        XCTAssertEqual(jwt.header["x5t"]?.stringValue, fixture.service.keys.active.keyId)
        XCTAssertEqual(jwt.header["kid"]?.stringValue, fixture.service.keys.active.keyId)
    }

    func testBuiltInV1ResourceKeepsTheIdentifierAsRequested() throws {
        // `https://database.windows.net//.default` names `https://database.windows.net/` (entra-wire §4.4).
        let withSlash = try fixture.issue(Form.secret(scope: "https://database.windows.net//.default"))
        XCTAssertEqual(try JWT.decode(withSlash.accessToken).payload["aud"]?.stringValue, "https://database.windows.net/")
        let withoutSlash = try fixture.issue(Form.secret(scope: "https://database.windows.net/.default"))
        let p = try JWT.decode(withoutSlash.accessToken).payload
        XCTAssertEqual(p["aud"]?.stringValue, "https://database.windows.net")
        XCTAssertEqual(p["ver"]?.stringValue, "1.0")
        XCTAssertNil(p["roles"], "no role assigned on Azure SQL")
        XCTAssertEqual(p["idtyp"]?.stringValue, "app", "Microsoft's own APIs get idtyp")
        XCTAssertEqual(fixture.log.records().last?.resource?.appId, IDs.sqlAppId)
    }

    func testV1EndpointWithResource() throws {
        let form = [("grant_type", "client_credentials"), ("client_id", IDs.daemon), ("client_secret", IDs.daemonSecret),
                    ("resource", "https://legacy.contoso.test/")]
        let tokens = try fixture.issue(form, version: .v1)
        XCTAssertEqual(tokens.endpoint, .v1)
        XCTAssertEqual(tokens.resource, "https://legacy.contoso.test/")
        XCTAssertEqual(tokens.expiresIn, 3599)
        let p = try JWT.decode(tokens.accessToken).payload
        XCTAssertEqual(p["aud"]?.stringValue, "https://legacy.contoso.test/")
        XCTAssertEqual(p["ver"]?.stringValue, "1.0")
        XCTAssertEqual(fixture.log.records().last?.endpoint, "/\(IDs.tenant)/oauth2/token")

        // A v2 resource through the v1 endpoint still gets a v2 token (the resource decides).
        let v2 = try fixture.issue(form.dropLast() + [("resource", "api://contoso-api")], version: .v1)
        XCTAssertEqual(v2.resource, "api://contoso-api")
        XCTAssertEqual(try JWT.decode(v2.accessToken).payload["ver"]?.stringValue, "2.0")
    }

    func testLifetimeAndBackdating() throws {
        let before = Int(Date().timeIntervalSince1970)
        let tokens = try fixture.issue(Form.secret())
        let after = Int(Date().timeIntervalSince1970)
        XCTAssertEqual(tokens.expiresIn, 3599)
        XCTAssertEqual(tokens.extExpiresIn, 3599)
        let p = try JWT.decode(tokens.accessToken).payload
        let iat = try XCTUnwrap(intClaim(p, "iat")), nbf = try XCTUnwrap(intClaim(p, "nbf")), exp = try XCTUnwrap(intClaim(p, "exp"))
        XCTAssertEqual(exp - iat, 3899)
        XCTAssertEqual(nbf, iat)
        XCTAssertEqual(tokens.expiresOn, exp)
        XCTAssertEqual(tokens.notBefore, nbf)
        XCTAssertTrue((before - 300)...(after - 300) ~= iat, "iat \(iat) is now − 300 s")
    }

    func testSignatureVerifiesWithTheKeyRing() throws {
        let tokens = try fixture.issue(Form.secret())
        let jwt = try JWT.decode(tokens.accessToken)
        let keys = fixture.service.keys
        let key = try XCTUnwrap(keys.key(id: jwt.header["kid"]?.stringValue ?? ""))
        XCTAssertNoThrow(try jwt.verifySignature(with: try key.certificate.publicKey, allowed: [.rs256]))
        XCTAssertNoThrow(try jwt.verifySignature(with: keys.active.privateKey.publicKey, allowed: [.rs256]))
        // The rotation key is published but did not sign.
        XCTAssertEqual(keys.published.count, 2)
        XCTAssertThrowsError(try jwt.verifySignature(with: try keys.published[1].certificate.publicKey, allowed: [.rs256]))
    }

    func testTwoTokensDifferOnlyInTimesAndUti() throws {
        let first = try JWT.decode(try fixture.issue(Form.secret()).accessToken).payload
        let second = try JWT.decode(try fixture.issue(Form.secret()).accessToken).payload
        XCTAssertNotEqual(first["uti"], second["uti"])
        var a = first, b = second
        for claim in ["iat", "nbf", "exp", "uti"] { a[claim] = nil; b[claim] = nil }
        XCTAssertEqual(a, b)
        for claim in ["aio", "rh", "oid", "sub"] { XCTAssertNotNil(a[claim], claim) }

        // A fresh service over the same scenario derives the same opaque claims.
        let other = try Fixture()
        var c = try JWT.decode(try other.issue(Form.secret()).accessToken).payload
        for claim in ["iat", "nbf", "exp", "uti"] { c[claim] = nil }
        XCTAssertEqual(a, c)
    }

    func testBasicAuthentication() throws {
        let form = [("grant_type", "client_credentials"), ("scope", "api://contoso-api/.default")]
        let tokens = try fixture.issue(form, basic: BasicCredentials(clientId: IDs.daemon, secret: IDs.daemonSecret))
        let p = try JWT.decode(tokens.accessToken).payload
        XCTAssertEqual(p["azp"]?.stringValue, IDs.daemon)
        XCTAssertEqual(p["azpacr"]?.stringValue, "1")
        XCTAssertEqual(fixture.log.records().last?.client?.authenticationMethod, .clientSecretBasic)
        // client_id in the body may accompany the Basic header when it names the same client.
        _ = try fixture.issue(form + [("client_id", IDs.daemon.uppercased())],
                              basic: BasicCredentials(clientId: IDs.daemon, secret: IDs.daemonSecret))
        // A wrong Basic secret is 7000215.
        fixture.reject(form, basic: BasicCredentials(clientId: IDs.daemon, secret: "nope"), error: "invalid_client", code: 7000215)
    }

    func testClientRequestIdIsEchoedAsCorrelationId() throws {
        let id = "5FC87507-4086-4E77-B415-CEE677EB232E"
        let outcome = fixture.token(Form.secret(), clientRequestId: id)
        XCTAssertEqual(outcome.correlationId, id.lowercased())
        XCTAssertEqual(fixture.log.records().last?.correlationId, id.lowercased())
        let failed = fixture.token(Form.secret(secret: "bad"), clientRequestId: id)
        guard case .failure(let stamped) = failed.result else { return XCTFail("expected an error") }
        XCTAssertEqual(stamped.correlationId, id.lowercased())
        XCTAssertTrue(stamped.description.contains("\r\nCorrelation ID: \(id.lowercased())\r\nTimestamp: "))
        XCTAssertTrue(stamped.description.contains("\r\nTrace ID: \(failed.traceId)\r\n"))
        // Not a GUID: a fresh correlation id.
        let other = fixture.token(Form.secret(), clientRequestId: "not-a-guid")
        XCTAssertNotEqual(other.correlationId, "not-a-guid")
        XCTAssertEqual(other.correlationId.count, 36)
        XCTAssertNotEqual(outcome.traceId, other.traceId)
    }

    func testClockOffsetMovesIssueTimes() throws {
        fixture.clock.advance(by: 86_400)
        let before = Int(Date().timeIntervalSince1970)
        let tokens = try fixture.issue(Form.secret())
        let after = Int(Date().timeIntervalSince1970)
        let iat = try XCTUnwrap(intClaim(try JWT.decode(tokens.accessToken).payload, "iat"))
        XCTAssertTrue((before + 86_400 - 300)...(after + 86_400 - 300) ~= iat, "iat \(iat) follows the clock")
        XCTAssertEqual(fixture.log.records().last.map { Int($0.time.timeIntervalSince1970) - before } ?? 0, 86_400, accuracy: 2)
        fixture.clock.reset()
        let reset = try XCTUnwrap(intClaim(try JWT.decode(try fixture.issue(Form.secret()).accessToken).payload, "iat"))
        XCTAssertLessThan(reset, before)
    }

    func testClockMakesASecretExpire() throws {
        let scenario = testScenarioText.replacingOccurrences(
            of: "passwordCredentials: [ { secretText: \"\(IDs.daemonSecret)\" } ]",
            with: "passwordCredentials: [ { secretText: \"\(IDs.daemonSecret)\", endDateTime: \"2100-01-01T00:00:00Z\" } ]")
        XCTAssertNotEqual(scenario, testScenarioText)
        let fixture = try Fixture(scenario: scenario)
        _ = try fixture.issue(Form.secret())
        fixture.clock.set(to: ISO8601DateFormatter().date(from: "2100-01-02T00:00:00Z")!)
        fixture.reject(Form.secret(), error: "invalid_client", code: 7000222)
    }
}
