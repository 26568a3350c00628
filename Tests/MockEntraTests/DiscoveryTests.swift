import Foundation
import XCTest
import HTTPServer
import JOSE
import MockEntra

/// OpenID discovery, JWKS, instance discovery and user realm over real TLS sockets.
final class DiscoveryTests: ShippedScenarioServerTestCase {

    /// A browser's preflight before msal-browser's silent refresh (POST with `X-AnchorMailbox`):
    /// the answer must allow POST and every header asked for, or the browser never sends the call.
    func testPreflightAllowsPostAndTheHeadersAskedFor() throws {
        let preflight = try client.send(method: "OPTIONS", path: "/\(Default.tenant)/oauth2/v2.0/token", headers: [
            ("Origin", "http://localhost:3000"), ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type,x-anchormailbox,x-client-sku")])
        XCTAssertEqual(preflight.status, 204)
        XCTAssertEqual(preflight.headers["Access-Control-Allow-Origin"], "*")
        XCTAssertTrue(preflight.headers["Access-Control-Allow-Methods"]?.contains("POST") ?? false)
        XCTAssertEqual(preflight.headers["Access-Control-Allow-Headers"], "content-type,x-anchormailbox,x-client-sku")
        // Discovery, fetched cross-origin by single-page apps too.
        let discovery = try client.send(method: "OPTIONS", path: "/\(Default.tenant)/v2.0/.well-known/openid-configuration",
                                        headers: [("Origin", "http://localhost:3000"), ("Access-Control-Request-Method", "GET")])
        XCTAssertEqual(discovery.status, 204)
        XCTAssertNil(discovery.headers["Access-Control-Allow-Headers"])
    }

    func testV2DocumentByTenantId() throws {
        let response = try client.get("/\(Default.tenant)/v2.0/.well-known/openid-configuration")
        XCTAssertEqual(response.status, 200)
        XCTAssertTrue(response.headers["Content-Type"]?.hasPrefix("application/json") ?? false)
        let doc = response.object()
        XCTAssertEqual(doc["issuer"]?.stringValue, "\(base)/\(Default.tenant)/v2.0")
        XCTAssertEqual(doc["token_endpoint"]?.stringValue, "\(base)/\(Default.tenant)/oauth2/v2.0/token")
        XCTAssertEqual(doc["jwks_uri"]?.stringValue, "\(base)/\(Default.tenant)/discovery/v2.0/keys")
        XCTAssertEqual(doc["authorization_endpoint"]?.stringValue, "\(base)/\(Default.tenant)/oauth2/v2.0/authorize")
        XCTAssertEqual(doc["device_authorization_endpoint"]?.stringValue, "\(base)/\(Default.tenant)/oauth2/v2.0/devicecode")
        XCTAssertEqual(doc["tenant_region_scope"]?.stringValue, "WW")
        XCTAssertEqual(doc["id_token_signing_alg_values_supported"], .array(["RS256"]))
        XCTAssertEqual(server.issuer, "\(base)/\(Default.tenant)/v2.0")
        XCTAssertFalse(response.text.contains("\\/"), "slashes are not escaped")
    }

    func testV2DocumentByDomainUsesTheTenantId() throws {
        let doc = try client.get("/contoso.test/v2.0/.well-known/openid-configuration").object()
        XCTAssertEqual(doc["issuer"]?.stringValue, "\(base)/\(Default.tenant)/v2.0")
        XCTAssertEqual(doc["token_endpoint"]?.stringValue, "\(base)/\(Default.tenant)/oauth2/v2.0/token")
    }

    func testV2DocumentForCommon() throws {
        let response = try client.get("/common/v2.0/.well-known/openid-configuration")
        XCTAssertEqual(response.status, 200)
        let doc = response.object()
        XCTAssertEqual(doc["issuer"]?.stringValue, "\(base)/{tenantid}/v2.0")
        XCTAssertEqual(doc["token_endpoint"]?.stringValue, "\(base)/common/oauth2/v2.0/token")
        XCTAssertEqual(doc["jwks_uri"]?.stringValue, "\(base)/common/discovery/v2.0/keys")
        XCTAssertEqual(doc["tenant_region_scope"], .null)
        XCTAssertTrue(response.text.contains("\"tenant_region_scope\":null"))
    }

    func testV2DocumentForOrganizations() throws {
        let doc = try client.get("/organizations/v2.0/.well-known/openid-configuration").object()
        XCTAssertEqual(doc["issuer"]?.stringValue, "\(base)/{tenantid}/v2.0")
        XCTAssertEqual(doc["token_endpoint"]?.stringValue, "\(base)/organizations/oauth2/v2.0/token")
        XCTAssertEqual(doc["tenant_region_scope"], .null)
    }

    func testV1Document() throws {
        let doc = try client.get("/\(Default.tenant)/.well-known/openid-configuration").object()
        XCTAssertEqual(doc["issuer"]?.stringValue, "https://sts.windows.net/\(Default.tenant)/")
        XCTAssertEqual(doc["token_endpoint"]?.stringValue, "\(base)/\(Default.tenant)/oauth2/token")
        XCTAssertEqual(doc["jwks_uri"]?.stringValue, "\(base)/common/discovery/keys")
    }

    func testUnknownTenantIsInvalidTenant() throws {
        let response = try client.get("/nobody.test/v2.0/.well-known/openid-configuration")
        XCTAssertEqual(response.status, 400)
        let body = response.object()
        XCTAssertEqual(body["error"]?.stringValue, "invalid_tenant")
        XCTAssertEqual(body["error_codes"], .array([90002]))
        let description = try XCTUnwrap(body["error_description"]?.stringValue)
        let trace = try XCTUnwrap(body["trace_id"]?.stringValue)
        let correlation = try XCTUnwrap(body["correlation_id"]?.stringValue)
        let timestamp = try XCTUnwrap(body["timestamp"]?.stringValue)
        XCTAssertTrue(description.hasPrefix("AADSTS90002: Tenant 'nobody.test' not found."))
        XCTAssertTrue(description.hasSuffix("\r\nTrace ID: \(trace)\r\nCorrelation ID: \(correlation)\r\nTimestamp: \(timestamp)"))
        XCTAssertNotNil(timestamp.range(of: #"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$"#, options: .regularExpression))
        XCTAssertEqual(trace.count, 36)
        XCTAssertEqual(correlation.count, 36)
        XCTAssertEqual(body["error_uri"]?.stringValue, "\(base)/error?code=90002")
        XCTAssertEqual(Array(body.keys).sorted(),
                       ["correlation_id", "error", "error_codes", "error_description", "error_uri", "timestamp", "trace_id"])
        // The same answer for the v1 document and the key sets.
        XCTAssertEqual(try client.get("/nobody.test/.well-known/openid-configuration").status, 400)
        XCTAssertEqual(try client.get("/nobody.test/discovery/v2.0/keys").object()["error"]?.stringValue, "invalid_tenant")
    }

    func testKeySetsAtAllThreePaths() throws {
        let signing = try [1, 2].map { try X509Certificate.parsePEM(String(contentsOfFile: Repo.keys + "/signing-\($0).pem", encoding: .utf8))[0] }
        for (path, issuer) in [("/\(Default.tenant)/discovery/v2.0/keys", "\(base)/\(Default.tenant)/v2.0"),
                               ("/common/discovery/v2.0/keys", "\(base)/{tenantid}/v2.0"),
                               ("/\(Default.tenant)/discovery/keys", nil),
                               ("/common/discovery/keys", nil)] as [(String, String?)] {
            let response = try client.get(path)
            XCTAssertEqual(response.status, 200, path)
            let set = try JSONDecoder().decode(JWKSet.self, from: Data(response.body))
            XCTAssertEqual(set.keys.count, 2, path)
            XCTAssertEqual(set.keys.map(\.kid), signing.map(\.x5t), path)
            for (key, certificate) in zip(set.keys, signing) {
                XCTAssertEqual(key.kty, "RSA")
                XCTAssertEqual(key.use, "sig")
                XCTAssertEqual(key.kid, key.x5t)
                XCTAssertEqual(key.x5c, [certificate.x5cEntry])
                XCTAssertEqual(key.n, Base64URL.encode(try certificate.publicKey.modulus))
                XCTAssertEqual(key.e, "AQAB")
                XCTAssertEqual(key.issuer, issuer, path)
            }
            if issuer == nil { XCTAssertFalse(response.text.contains("\"issuer\""), path) }
        }
    }

    func testIssuedTokenVerifiesWithThePublishedKey() throws {
        let response = try client.postForm("/\(Default.tenant)/oauth2/v2.0/token", Forms.daemon())
        XCTAssertEqual(response.status, 200)
        let token = try JWT.decode(try XCTUnwrap(response.object()["access_token"]?.stringValue))
        let set = try JSONDecoder().decode(JWKSet.self, from: Data(try client.get("/\(Default.tenant)/discovery/v2.0/keys").body))
        let kid = try XCTUnwrap(token.header["kid"]?.stringValue)
        let key = try XCTUnwrap(set.keys.first { $0.kid == kid })
        XCTAssertNoThrow(try token.verifySignature(with: try key.publicKey(), allowed: [.rs256]))
        let other = try XCTUnwrap(set.keys.first { $0.kid != kid })
        XCTAssertThrowsError(try token.verifySignature(with: try other.publicKey(), allowed: [.rs256]))
        XCTAssertEqual(token.payload["iss"]?.stringValue, "\(base)/\(Default.tenant)/v2.0")
    }

    func testInstanceDiscovery() throws {
        for version in ["1.0", "1.1"] {
            let endpoint = "\(base)/\(Default.tenant)/oauth2/v2.0/authorize"
            let query = "api-version=\(version)&authorization_endpoint=\(endpoint.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
            let response = try client.get("/common/discovery/instance?\(query)")
            XCTAssertEqual(response.status, 200, version)
            let doc = response.object()
            XCTAssertEqual(doc["tenant_discovery_endpoint"]?.stringValue,
                           "\(base)/\(Default.tenant)/v2.0/.well-known/openid-configuration")
            XCTAssertEqual(doc["api-version"]?.stringValue, version)
            let metadata = try XCTUnwrap(doc["metadata"]?.arrayValue?.first)
            XCTAssertEqual(metadata["preferred_network"]?.stringValue, "localhost:\(server.port)")
            XCTAssertEqual(metadata["preferred_cache"]?.stringValue, "localhost:\(server.port)")
            XCTAssertEqual(metadata["aliases"], .array([.string("localhost:\(server.port)")]))
        }
    }

    func testInstanceDiscoveryForAnotherHostIsInvalidInstance() throws {
        let response = try client.get("/common/discovery/instance?api-version=1.1&authorization_endpoint=https%3A%2F%2Flogin.microsoftonline.com%2Fcommon%2Foauth2%2Fv2.0%2Fauthorize")
        XCTAssertEqual(response.status, 400)
        let body = response.object()
        XCTAssertEqual(body["error"]?.stringValue, "invalid_instance")
        XCTAssertEqual(body["error_codes"], .array([50049]))
        XCTAssertTrue(body["error_description"]?.stringValue?.hasPrefix("AADSTS50049: Unknown or invalid instance.") ?? false)
    }

    func testUserRealm() throws {
        let managed = try client.get("/common/userrealm/alice@contoso.test?api-version=1.0").object()
        XCTAssertEqual(managed["account_type"]?.stringValue, "Managed")
        XCTAssertEqual(managed["domain_name"]?.stringValue, "contoso.test")
        let unknown = try client.get("/common/userrealm/someone@fabrikam.test?api-version=1.0").object()
        XCTAssertEqual(unknown["account_type"]?.stringValue, "Unknown")
    }
}
