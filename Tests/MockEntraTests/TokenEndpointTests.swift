import Foundation
import XCTest
import HTTPServer
import JOSE
import MockEntra

/// The token endpoint and the test-control API over real TLS sockets.
final class TokenEndpointTests: ShippedScenarioServerTestCase {
    let v2Path = "/\(Default.tenant)/oauth2/v2.0/token"
    let v1Path = "/\(Default.tenant)/oauth2/token"

    func testV2SuccessShape() throws {
        let response = try client.postForm(v2Path, Forms.daemon())
        XCTAssertEqual(response.status, 200)
        // Readable by a single-page app's browser code.
        XCTAssertEqual(response.headers["Access-Control-Allow-Origin"], "*")
        let body = response.object()
        XCTAssertEqual(body["token_type"]?.stringValue, "Bearer")
        XCTAssertEqual(body["expires_in"], .number(3599))
        XCTAssertEqual(body["ext_expires_in"], .number(3599))
        XCTAssertTrue(response.text.contains("\"expires_in\":3599"), "an integer, not a string")
        XCTAssertNil(body["scope"])
        XCTAssertNil(body["refresh_token"])
        XCTAssertNil(body["id_token"])
        XCTAssertNil(body["expires_on"])
        XCTAssertEqual(Set(body.keys), ["token_type", "expires_in", "ext_expires_in", "access_token"])
        XCTAssertEqual(response.headers["Cache-Control"], "no-store, no-cache")
        XCTAssertEqual(response.headers["Pragma"], "no-cache")
        let jwt = try JWT.decode(try XCTUnwrap(body["access_token"]?.stringValue))
        XCTAssertEqual(jwt.payload["aud"]?.stringValue, Default.api)
        XCTAssertEqual(jwt.payload["iss"]?.stringValue, "\(base)/\(Default.tenant)/v2.0")
        XCTAssertEqual(jwt.payload["roles"], .array(["Orders.Read.All"]))
    }

    func testV1SuccessShape() throws {
        let form: [(String, String)] = [("grant_type", "client_credentials"), ("client_id", Default.daemon),
                                        ("client_secret", Default.daemonSecret), ("resource", "https://legacy.contoso.test")]
        let before = Int(Date().timeIntervalSince1970)
        let response = try client.postForm(v1Path, form)
        let after = Int(Date().timeIntervalSince1970)
        XCTAssertEqual(response.status, 200)
        let body = response.object()
        XCTAssertEqual(body["token_type"]?.stringValue, "Bearer")
        XCTAssertEqual(body["expires_in"]?.stringValue, "3599")
        XCTAssertEqual(body["ext_expires_in"]?.stringValue, "3599")
        XCTAssertEqual(body["resource"]?.stringValue, "https://legacy.contoso.test")
        let expiresOn = try XCTUnwrap(Int(body["expires_on"]?.stringValue ?? ""))
        let notBefore = try XCTUnwrap(Int(body["not_before"]?.stringValue ?? ""))
        XCTAssertTrue((before + 3599)...(after + 3599) ~= expiresOn)
        XCTAssertEqual(expiresOn - notBefore, 3899)
        XCTAssertNil(body["scope"])
        XCTAssertNil(body["refresh_token"])
        let jwt = try JWT.decode(try XCTUnwrap(body["access_token"]?.stringValue))
        XCTAssertEqual(jwt.payload["iss"]?.stringValue, "https://sts.windows.net/\(Default.tenant)/")
        XCTAssertEqual(jwt.payload["aud"]?.stringValue, "https://legacy.contoso.test")
        XCTAssertEqual(jwt.payload["appid"]?.stringValue, Default.daemon)
        XCTAssertEqual(intClaimValue(jwt.payload["exp"]), expiresOn)
    }

    func testInvalidClientIs401WithEntraHeaders() throws {
        let response = try client.postForm(v2Path, Forms.daemon(secret: "wrong"))
        XCTAssertEqual(response.status, 401)
        let body = response.object()
        XCTAssertEqual(body["error"]?.stringValue, "invalid_client")
        XCTAssertEqual(body["error_codes"], .array([7000215]))
        XCTAssertEqual(response.headers["Cache-Control"], "no-store, no-cache")
        XCTAssertEqual(response.headers["x-ms-request-id"], body["trace_id"]?.stringValue)
        XCTAssertEqual(body["error_uri"]?.stringValue, "\(base)/error?code=7000215")
        XCTAssertTrue(body["error_description"]?.stringValue?.contains("\r\nTrace ID: ") ?? false)
        // Other errors are 400 with the same headers.
        let bad = try client.postForm(v2Path, Forms.daemon(scope: "api://nobody/.default"))
        XCTAssertEqual(bad.status, 400)
        XCTAssertEqual(bad.object()["error_codes"], .array([500011]))
        XCTAssertEqual(bad.headers["x-ms-request-id"], bad.object()["trace_id"]?.stringValue)
    }

    func testErrorMembersAreInEntrasOrder() throws {
        let text = try client.postForm(v2Path, Forms.daemon(secret: "wrong")).text
        let names = ["\"error\":", "\"error_description\":", "\"error_codes\":", "\"timestamp\":", "\"trace_id\":",
                     "\"correlation_id\":", "\"error_uri\":"]
        let positions = names.map { text.range(of: $0)?.lowerBound }
        XCTAssertFalse(positions.contains(nil), text)
        let offsets = positions.compactMap { $0.map { text.distance(from: text.startIndex, to: $0) } }
        XCTAssertEqual(offsets, offsets.sorted(), "members in entra-wire §2.1 order: \(text)")
        XCTAssertTrue(text.hasPrefix("{\"error\":\"invalid_client\","), text)
        XCTAssertFalse(text.contains("suberror"), "absent optional members are left out")
    }

    func testDuplicatedAndMalformedFormsOverHTTP() throws {
        let duplicated = try client.postForm(v2Path, Forms.daemon() + [("client_id", Default.daemon)])
        XCTAssertEqual(duplicated.status, 400)
        XCTAssertEqual(duplicated.object()["error_codes"], .array([9000411]))
        let malformed = try client.send(method: "POST", path: v2Path,
                                        headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                        body: Array("grant_type=client_credentials&client_id=%zz".utf8))
        XCTAssertEqual(malformed.status, 400)
        XCTAssertEqual(malformed.object()["error"]?.stringValue, "invalid_request")
        XCTAssertEqual(malformed.object()["error_codes"], .array([9002313]))
    }

    func testGetOnTheTokenEndpointIs900561() throws {
        let response = try client.get(v2Path)
        XCTAssertEqual(response.status, 400)
        let body = response.object()
        XCTAssertEqual(body["error"]?.stringValue, "invalid_request")
        XCTAssertEqual(body["error_codes"], .array([900561]))
        XCTAssertTrue(body["error_description"]?.stringValue?.contains("Received a GET request.") ?? false)
    }

    func testNonFormContentTypeIsMissingGrantType() throws {
        let json = #"{"grant_type":"client_credentials","client_id":"\#(Default.daemon)"}"#
        let response = try client.postJSON(v2Path, json)
        XCTAssertEqual(response.status, 400)
        let body = response.object()
        XCTAssertEqual(body["error_codes"], .array([900144]))
        XCTAssertTrue(body["error_description"]?.stringValue?.hasPrefix("AADSTS900144: The request body must contain the following parameter: 'grant_type'.") ?? false)
    }

    /// The device authorization endpoint reads its body as the token endpoint does: only a form
    /// body carries parameters, whatever the bytes of another content type look like.
    func testDeviceCodeEndpointReadsOnlyFormBodies() throws {
        let path = "/\(Default.tenant)/oauth2/v2.0/devicecode"
        let pairs = [("client_id", "4e2a8c6f-1d3b-4a5e-9f7c-0b8d6e4a2c1f"), ("scope", "openid")]
        let json = try client.send(method: "POST", path: path, headers: [("Content-Type", "application/json")], body: formBody(pairs))
        XCTAssertEqual(json.status, 400, json.text)
        XCTAssertEqual(json.object()["error_codes"], .array([900144]))
        XCTAssertTrue(json.object()["error_description"]?.stringValue?.contains("'client_id'") ?? false, json.text)
        let form = try client.postForm(path, pairs)
        XCTAssertEqual(form.status, 200, form.text)
        // Its errors echo the client's request id as the correlation id, as the token endpoint's do.
        let id = "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"
        let unknown = try client.postForm(path, [("client_id", "00000000-0000-0000-0000-000000000001"), ("scope", "openid")],
                                          headers: [("client-request-id", id)])
        XCTAssertEqual(unknown.status, 400, unknown.text)
        XCTAssertEqual(unknown.object()["correlation_id"]?.stringValue, id)
    }

    func testClientRequestIdIsEchoed() throws {
        let id = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
        let failed = try client.postForm(v2Path, Forms.daemon(secret: "wrong"), headers: [("client-request-id", id)])
        XCTAssertEqual(failed.object()["correlation_id"]?.stringValue, id)
        XCTAssertTrue(failed.object()["error_description"]?.stringValue?.contains("Correlation ID: \(id)") ?? false)
        let ok = try client.postForm(v2Path, Forms.daemon(), headers: [("client-request-id", id)])
        XCTAssertEqual(ok.status, 200)
        let exchanges = try client.get("/_mockentra/exchanges").object()["exchanges"]?.arrayValue ?? []
        XCTAssertEqual(exchanges.last?["correlationId"]?.stringValue, id)
        // Also on errors raised outside the token service.
        XCTAssertEqual(try client.get(v2Path, headers: [("client-request-id", id)]).object()["correlation_id"]?.stringValue, id)
    }

    func testClientAssertionOverTLS() throws {
        let key = try RSAPrivateKey(pem: String(contentsOfFile: Repo.keys + "/test-client.key", encoding: .utf8))
        let certificate = try X509Certificate.parsePEM(String(contentsOfFile: Repo.keys + "/test-client.pem", encoding: .utf8))[0]
        let now = Int(Date().timeIntervalSince1970)
        let claims: [String: JSONValue] = ["aud": .string("\(base)/\(Default.tenant)/oauth2/v2.0/token"),
                                           "iss": .string(Default.daemon), "sub": .string(Default.daemon),
                                           "jti": .string(UUID().uuidString), "nbf": .number(Double(now)), "exp": .number(Double(now + 600))]
        let assertion = try JWTSigner(key: key).sign(header: JWSHeader(alg: .rs256, x5t: certificate.x5t), payload: claims)
        let form: [(String, String)] = [("grant_type", "client_credentials"), ("client_id", Default.daemon),
                                        ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
                                        ("client_assertion", assertion), ("scope", "api://contoso-api/.default")]
        let response = try client.postForm(v2Path, form)
        XCTAssertEqual(response.status, 200, response.text)
        let jwt = try JWT.decode(response.object()["access_token"]?.stringValue ?? "")
        XCTAssertEqual(jwt.payload["azpacr"]?.stringValue, "2")
    }

    func testBasicAuthenticationOverTLS() throws {
        let credentials = Data("\(Default.daemon):\(Default.daemonSecret)".utf8).base64EncodedString()
        let response = try client.postForm(v2Path, [("grant_type", "client_credentials"), ("scope", "api://contoso-api/.default")],
                                           headers: [("Authorization", "Basic \(credentials)")])
        XCTAssertEqual(response.status, 200, response.text)
    }

    // MARK: Control API

    func testExchangesListFilterAndClear() throws {
        XCTAssertEqual(try client.postForm(v2Path, Forms.daemon()).status, 200)
        XCTAssertEqual(try client.postForm(v2Path, Forms.daemon(secret: "wrong")).status, 401)
        XCTAssertEqual(try client.postForm(v2Path, Forms.daemon(scope: "api://nobody/.default")).status, 400)

        let list = try client.get("/_mockentra/exchanges")
        XCTAssertEqual(list.status, 200)
        let all = list.object()
        let exchanges = try XCTUnwrap(all["exchanges"]?.arrayValue)
        XCTAssertEqual(exchanges.map { $0["sequence"] }, [.number(1), .number(2), .number(3)])
        XCTAssertEqual(exchanges.map { $0["outcome"]?.stringValue }, ["issued", "error", "error"])
        XCTAssertEqual(exchanges[1]["failure"]?["code"], .number(7000215))
        XCTAssertEqual(exchanges[0]["client"]?["appId"]?.stringValue, Default.daemon)
        XCTAssertEqual(exchanges[0]["client"]?["authenticationMethod"]?.stringValue, "client_secret_post")
        XCTAssertEqual(exchanges[0]["endpoint"]?.stringValue, v2Path)
        XCTAssertEqual(all["evicted"], .number(0))

        let errors = try client.get("/_mockentra/exchanges?outcome=error").object()["exchanges"]?.arrayValue ?? []
        XCTAssertEqual(errors.map { $0["sequence"] }, [.number(2), .number(3)])
        let byClient = try client.get("/_mockentra/exchanges?client_id=\(Default.daemon)").object()["exchanges"]?.arrayValue ?? []
        // Rejected exchanges are recorded under the client they claimed, so all three match.
        XCTAssertEqual(byClient.map { $0["sequence"] }, [.number(1), .number(2), .number(3)])
        XCTAssertNil(exchanges[1]["client"]?["authenticationMethod"]?.stringValue)
        let after = try client.get("/_mockentra/exchanges?after=2").object()["exchanges"]?.arrayValue ?? []
        XCTAssertEqual(after.map { $0["sequence"] }, [.number(3)])
        XCTAssertEqual(try client.get("/_mockentra/exchanges?client_id=\(Default.daemon)&outcome=issued")
            .object()["exchanges"]?.arrayValue?.count, 1)
        // A filter it does not know (a misspelling would match everything) or a bad sequence is refused.
        let misspelt = try client.get("/_mockentra/exchanges?grantType=client_credentials")
        XCTAssertEqual(misspelt.status, 400)
        XCTAssertTrue(misspelt.object()["error"]?.stringValue?.contains("Unknown filter 'grantType'") ?? false)
        XCTAssertEqual(try client.get("/_mockentra/exchanges?after=two").status, 400)

        XCTAssertEqual(try client.send(method: "DELETE", path: "/_mockentra/exchanges").status, 204)
        XCTAssertEqual(try client.get("/_mockentra/exchanges").object()["exchanges"], .array([]))
        XCTAssertEqual(try client.postForm(v2Path, Forms.daemon()).status, 200)
        let next = try client.get("/_mockentra/exchanges").object()["exchanges"]?.arrayValue ?? []
        XCTAssertEqual(next.map { $0["sequence"] }, [.number(4)], "sequence numbers keep counting after a clear")
        XCTAssertEqual(server.tokenService.log.records().count, 1)
    }

    func testClockAdvanceMovesTokenTimes() throws {
        let initial = try client.get("/_mockentra/clock")
        XCTAssertEqual(initial.status, 200)
        XCTAssertEqual(initial.object()["offsetSeconds"]?.doubleValue ?? 99, 0, accuracy: 1)

        let advanced = try client.postJSON("/_mockentra/clock", #"{"advanceSeconds": 7200}"#)
        XCTAssertEqual(advanced.status, 200)
        XCTAssertEqual(advanced.object()["offsetSeconds"]?.doubleValue ?? 0, 7200, accuracy: 1)

        let before = Int(Date().timeIntervalSince1970)
        let token = try client.postForm(v2Path, Forms.daemon()).object()["access_token"]?.stringValue ?? ""
        let after = Int(Date().timeIntervalSince1970)
        let iat = intClaimValue(try JWT.decode(token).payload["iat"]) ?? 0
        XCTAssertTrue((before + 7200 - 300)...(after + 7200 - 300) ~= iat, "iat \(iat) follows the clock")

        XCTAssertEqual(try client.postJSON("/_mockentra/clock", #"{"reset": true}"#).object()["offsetSeconds"]?.doubleValue ?? 99,
                       0, accuracy: 1)
        XCTAssertEqual(try client.postJSON("/_mockentra/clock", "not json").status, 400)
        XCTAssertEqual(try client.get("/_mockentra/nothing").status, 404)
        XCTAssertEqual(try client.get("/_mockentra/health").object()["status"]?.stringValue, "ok")
    }
}

func intClaimValue(_ value: JSONValue?) -> Int? {
    value?.doubleValue.map { Int($0) }
}
