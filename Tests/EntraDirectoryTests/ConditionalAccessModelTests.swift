import Foundation
import XCTest
@testable import EntraDirectory

/// Conditional Access policies and named locations in scenario files: what loads, how references
/// resolve, and a precise problem for every invalid shape.
final class ConditionalAccessModelTests: XCTestCase {
    let apps = #"{ "displayName": "Web API", "identifierUris": ["api://web"] }, { "displayName": "Client", "isFallbackPublicClient": true }"#
    let groups = #""groups": [ { "displayName": "Admins", "members": ["ann@fabrikam.test"] } ],"#

    func policyScenario(_ policy: String, locations: String = "") -> String {
        scenario(applications: apps, extra: """
        \(groups)
        "namedLocations": [ { "displayName": "Office", "isTrusted": true, "ipRanges": [ { "cidrAddress": "10.0.0.0/9" }, { "cidrAddress": "2001:db8::/32" } ] } \(locations) ],
        "conditionalAccessPolicies": [ \(policy) ],
        """)
    }

    let valid = """
    { "displayName": "MFA for SQL", "state": "enabled",
      "conditions": { "users": { "includeUsers": ["All"], "excludeUsers": ["ann@fabrikam.test"], "excludeGroups": ["Admins"] },
                      "applications": { "includeApplications": ["Azure SQL Database", "api://web"], "excludeApplications": ["Client"] },
                      "clientAppTypes": ["browser", "mobileAppsAndDesktopClients"],
                      "locations": { "includeLocations": ["All"], "excludeLocations": ["Office", "AllTrusted"] },
                      "signInRiskLevels": ["medium", "high"], "userRiskLevels": ["high"] },
      "grantControls": { "operator": "AND", "builtInControls": ["mfa", "compliantDevice"] },
      "sessionControls": { "signInFrequency": { "isEnabled": true, "value": 4, "type": "hours" } } }
    """

    func testValidPolicyResolvesEveryReference() throws {
        let tenant = try loadScenario(policyScenario(valid)).directory.tenants[0]
        let policy = try XCTUnwrap(tenant.conditionalAccessPolicies.first)
        let ann = try XCTUnwrap(tenant.user(userPrincipalName: "ann@fabrikam.test"))
        let office = try XCTUnwrap(tenant.namedLocations.first)
        XCTAssertEqual(policy.id, DeterministicID.guid("mockentra/\(tenant.id)/conditionalAccessPolicy/MFA for SQL"))
        XCTAssertEqual(office.id, DeterministicID.guid("mockentra/\(tenant.id)/namedLocation/Office"))
        XCTAssertEqual(policy.state, .enabled)
        XCTAssertTrue(policy.users.includeAllUsers)
        XCTAssertEqual(policy.users.excludeUsers, [ann.id])
        XCTAssertEqual(policy.users.excludeGroups, [tenant.groups[0].id])
        let web = try XCTUnwrap(tenant.resource(identifier: "api://web"))
        XCTAssertEqual(policy.applications.includeApplications, ["022907d3-0f1b-48f7-badc-1ba6abab6d66", web.appId])
        XCTAssertEqual(policy.applications.excludeApplications.count, 1)
        XCTAssertEqual(policy.clientAppTypes, [.browser, .mobileAppsAndDesktopClients])
        XCTAssertEqual(policy.locations?.excludeLocations, [office.id, "AllTrusted"])
        XCTAssertEqual(policy.signInRiskLevels, [.medium, .high])
        XCTAssertEqual(policy.grantOperator, .and)
        XCTAssertEqual(policy.builtInControls, [.mfa, .compliantDevice])
        XCTAssertEqual(policy.signInFrequency, 4 * 3600)
        XCTAssertTrue(office.isTrusted)
        XCTAssertTrue(office.contains(try XCTUnwrap(IPAddress("10.1.2.3"))))
        XCTAssertTrue(office.contains(try XCTUnwrap(IPAddress("::ffff:10.9.9.9"))))
        XCTAssertTrue(office.contains(try XCTUnwrap(IPAddress("2001:db8:1::5"))))
        XCTAssertFalse(office.contains(try XCTUnwrap(IPAddress("11.0.0.1"))))
        XCTAssertFalse(office.contains(try XCTUnwrap(IPAddress("2001:db9::1"))))
    }

    func testUserConditionAndDeviceFields() throws {
        let text = scenario(extra: "").replacingOccurrences(
            of: #""password": "pw" }"#,
            with: #""password": "pw", "signInRisk": "high", "userRisk": "low", "device": { "isCompliant": true } }"#)
        let user = try loadScenario(text).directory.tenants[0].users[0]
        XCTAssertEqual(user.signInRisk, .high)
        XCTAssertEqual(user.userRisk, .low)
        XCTAssertTrue(user.deviceIsCompliant)
        let plain = try loadScenario(scenario()).directory.tenants[0].users[0]
        XCTAssertEqual(plain.signInRisk, .none)
        XCTAssertFalse(plain.deviceIsCompliant)

        assertSingleProblem(scenario().replacingOccurrences(of: #""password": "pw" }"#, with: #""password": "pw", "signInRisk": "severe" }"#),
                            path: "users[0].signInRisk", reason: #"must be one of "none", "low", "medium", "high", found "severe""#)
        assertSingleProblem(scenario().replacingOccurrences(of: #""password": "pw" }"#, with: #""password": "pw", "device": { "compliant": true } }"#),
                            path: "users[0].device", reason: "unknown property 'compliant'")
    }

    /// The middle tier cannot be a policy's subject: an application is not a user.
    func testAnApplicationCannotBeNamedAsAUser() {
        let policy = valid.replacingOccurrences(of: #""excludeUsers": ["ann@fabrikam.test"]"#, with: #""includeGroups": ["Web API"]"#)
            .replacingOccurrences(of: #""includeUsers": ["All"]"#, with: #""includeUsers": ["Web API"]"#)
        let found = problems(policyScenario(policy)).map(\.description)
        XCTAssertEqual(found, [
            "test.json: conditionalAccessPolicies[0].conditions.users.includeUsers[0]: no user 'Web API' (use a userPrincipalName or id)",
            "test.json: conditionalAccessPolicies[0].conditions.users.includeGroups[0]: no group 'Web API' (use a displayName or id)",
        ])
    }

    func testEveryInvalidShapeIsReportedPrecisely() {
        let p = "conditionalAccessPolicies[0]"
        let cases: [(edit: (String) -> String, path: String, reason: String)] = [
            ({ $0.replacingOccurrences(of: #""state": "enabled""#, with: #""state": "on""#) }, "\(p).state",
             #"must be one of "enabled", "disabled", "enabledForReportingButNotEnforced", found "on""#),
            ({ $0.replacingOccurrences(of: #""displayName": "MFA for SQL", "#, with: "") }, "\(p).displayName", "required property is missing"),
            ({ $0.replacingOccurrences(of: #""state": "enabled","#, with: #""state": "enabled", "conditon": {},"#) }, p,
             "unknown property 'conditon' (did you mean 'conditions'?)"),
            ({ $0.replacingOccurrences(of: #"["All"], "excludeUsers""#, with: #"["All", "ann@fabrikam.test"], "excludeUsers""#) },
             "\(p).conditions.users.includeUsers", "'All' must be the only entry"),
            ({ $0.replacingOccurrences(of: "Azure SQL Database", with: "Azure SQL Databse") },
             "\(p).conditions.applications.includeApplications[0]", "no application or built-in resource 'Azure SQL Databse'"),
            ({ $0.replacingOccurrences(of: #""excludeApplications": ["Client"]"#, with: #""includeAuthenticationContextClassReferences": ["c1"]"#) },
             "\(p).conditions.applications", "a policy targets applications or authentication contexts, not both"),
            ({ $0.replacingOccurrences(of: #""includeApplications": ["Azure SQL Database", "api://web"], "excludeApplications": ["Client"]"#,
                                       with: #""excludeApplications": ["Client"], "includeAuthenticationContextClassReferences": ["c1"]"#) },
             "\(p).conditions.applications", "a policy targets applications or authentication contexts, not both"),
            ({ $0.replacingOccurrences(of: #""includeApplications": ["Azure SQL Database", "api://web"], "excludeApplications": ["Client"]"#,
                                       with: #""includeAuthenticationContextClassReferences": ["c26"]"#) },
             "\(p).conditions.applications.includeAuthenticationContextClassReferences[0]", "'c26' is not an authentication context (c1 to c25)"),
            ({ $0.replacingOccurrences(of: #""includeApplications": ["Azure SQL Database", "api://web"], "excludeApplications": ["Client"]"#, with: "") },
             "\(p).conditions.applications", "give includeApplications"),
            ({ $0.replacingOccurrences(of: #""browser", "#, with: #""browsers", "#) }, "\(p).conditions.clientAppTypes[0]",
             #"must be one of "all", "browser", "mobileAppsAndDesktopClients", "exchangeActiveSync", "other", found "browsers""#),
            ({ $0.replacingOccurrences(of: #"["Office", "AllTrusted"]"#, with: #"["Home"]"#) }, "\(p).conditions.locations.excludeLocations[0]",
             "no named location 'Home'"),
            ({ $0.replacingOccurrences(of: #""userRiskLevels": ["high"]"#, with: #""userRiskLevels": ["critical"]"#) },
             "\(p).conditions.userRiskLevels[0]", #"found "critical""#),
            ({ $0.replacingOccurrences(of: #""operator": "AND""#, with: #""operator": "XOR""#) }, "\(p).grantControls.operator",
             #"must be one of "AND", "OR", found "XOR""#),
            ({ $0.replacingOccurrences(of: #"["mfa", "compliantDevice"]"#, with: #"["mfa", "passwordChange"]"#) },
             "\(p).grantControls.builtInControls[1]", #"must be one of "mfa", "block", "compliantDevice", found "passwordChange""#),
            ({ $0.replacingOccurrences(of: #"["mfa", "compliantDevice"]"#, with: #"["block", "mfa"]"#) },
             "\(p).grantControls.builtInControls", "'block' cannot be combined with other controls"),
            ({ $0.replacingOccurrences(of: #"["mfa", "compliantDevice"]"#, with: "[]") },
             "\(p).grantControls.builtInControls", "must name at least one control"),
            ({ $0.replacingOccurrences(of: #""grantControls": { "operator": "AND", "builtInControls": ["mfa", "compliantDevice"] },"#, with: "") },
             "\(p).grantControls", "required property is missing"),
            ({ $0.replacingOccurrences(of: #""type": "hours""#, with: #""type": "minutes""#) },
             "\(p).sessionControls.signInFrequency.type", #"must be "hours" or "days", found "minutes""#),
            ({ $0.replacingOccurrences(of: #""value": 4"#, with: #""value": 0"#) },
             "\(p).sessionControls.signInFrequency.value", "expected a whole number of hours or days"),
        ]
        for (index, test) in cases.enumerated() {
            let found = problems(policyScenario(test.edit(valid)))
            XCTAssertEqual(found.count, 1, "case \(index): \(found)")
            XCTAssertEqual(found.first?.path, test.path, "case \(index): \(found)")
            XCTAssertTrue(found.first?.reason.contains(test.reason) ?? false, "case \(index): \(found)")
        }
    }

    func testDuplicatePoliciesAndNamedLocations() {
        assertSingleProblem(policyScenario(valid + ", " + valid), path: "conditionalAccessPolicies[1].displayName",
                            reason: "duplicate policy displayName 'MFA for SQL' (also conditionalAccessPolicies[0])")
        assertSingleProblem(policyScenario(valid, locations: #", { "displayName": "office", "ipRanges": [ { "cidrAddress": "10.0.0.0/9" } ] }"#),
                            path: "namedLocations[1].displayName", reason: "duplicate named location 'office'")
        let id = "5b0c2a7e-1d3f-4e6a-9b8c-7d6e5f4a3b2c"
        assertSingleProblem(policyScenario(valid, locations: #", { "id": "\#(id)", "displayName": "Lab", "ipRanges": [ { "cidrAddress": "10.200.0.0/16" } ] }, { "id": "\#(id)", "displayName": "Depot", "ipRanges": [ { "cidrAddress": "10.201.0.0/16" } ] }"#),
                            path: "namedLocations[2].id", reason: "duplicate named location id '\(id)'")
    }

    func testCIDRRangesAreValidated() {
        let bad: [(String, String)] = [
            ("10.0.0.0", "is not a CIDR range"),
            ("10.0.0.0/33", "prefix length 33 is out of range for IPv4"),
            ("10.0.0.1/8", "has host bits set"),
            ("300.0.0.0/8", "'300.0.0.0' is not an IPv4 or IPv6 address"),
            ("2001:db8::/129", "prefix length 129 is out of range for IPv6"),
            ("2001:db8::1/32", "has host bits set"),
            ("::ffff:10.0.0.0/104", "is not an IPv4 or IPv6 address"),
            ("10.0.0.0/08", "is not a CIDR range"),
            ("fe80::%eth0/64", "'fe80::%eth0' is not an IPv4 or IPv6 address"),
            ("10.0.0.0%1/16", "is not an IPv4 or IPv6 address"),
            // Entra: "only CIDR masks greater than /8 are allowed".
            ("10.0.0.0/8", "is too broad: Entra allows only CIDR masks longer than /8"),
            ("0.0.0.0/0", "is too broad"),
            ("2000::/8", "is too broad"),
        ]
        for (cidr, reason) in bad {
            assertSingleProblem(policyScenario(valid, locations: #", { "displayName": "Bad", "ipRanges": [ { "cidrAddress": "\#(cidr)" } ] }"#),
                                path: "namedLocations[1].ipRanges[0].cidrAddress", reason: reason)
        }
        assertSingleProblem(policyScenario(valid, locations: #", { "displayName": "Empty", "ipRanges": [] }"#),
                            path: "namedLocations[1].ipRanges", reason: "must list at least one IP range")
        XCTAssertNoThrow(try IPRange.parse("0.0.0.0/0").get())
        XCTAssertNoThrow(try IPRange.parse("::/0").get())
    }

    func testNamedLocationLimitsAreEntras() {
        let ranges = (0..<2001).map { #"{ "cidrAddress": "10.\#($0 / 256).\#($0 % 256).0/24" }"# }.joined(separator: ", ")
        assertSingleProblem(policyScenario(valid, locations: #", { "displayName": "Big", "ipRanges": [ \#(ranges) ] }"#),
                            path: "namedLocations[1].ipRanges", reason: "Entra allows at most 2000 per named location")
        let locations = (1..<196).map { #", { "displayName": "L\#($0)", "ipRanges": [ { "cidrAddress": "10.0.\#($0).0/24" } ] }"# }.joined()
        assertSingleProblem(policyScenario(valid, locations: locations),
                            path: "namedLocations[195]", reason: "Entra allows at most 195")
    }
}
