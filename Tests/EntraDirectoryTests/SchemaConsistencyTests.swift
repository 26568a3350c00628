import Foundation
import JOSE
import XCTest
@testable import EntraDirectory

/// The shipped JSON Schema must accept exactly the properties the loader accepts.
final class SchemaConsistencyTests: XCTestCase {
    func testSchemaPropertiesMatchTheLoader() throws {
        let data = try Data(contentsOf: RepositoryPaths.scenarios.appendingPathComponent("scenario.schema.json"))
        let schema = try JSONValue.parse(Array(data))
        func properties(_ value: JSONValue?) -> Set<String> { Set(value?["properties"]?.objectValue?.keys ?? [:].keys) }
        XCTAssertEqual(properties(schema),
                       Set(["$schema", "description", "tenant", "tenants", "steps", "faults"] + TenantLoader.collectionKeys))
        XCTAssertEqual(properties(schema["$defs"]?["application"]), Set(ApplicationParser.allowedKeys))
        XCTAssertEqual(properties(schema["$defs"]?["tenantEntry"]), Set(["tenant"] + TenantLoader.collectionKeys))
        XCTAssertEqual(properties(schema["$defs"]?["step"]), Set(StepLoader.stepKeys))
        XCTAssertEqual(properties(schema["$defs"]?["stepExpectation"]), Set(StepLoader.expectKeys))
        XCTAssertEqual(properties(schema["$defs"]?["faultRule"]), Set(FaultRule.keys))
        XCTAssertEqual(Set(schema["$defs"]?["faultRule"]?["properties"]?["grantType"]?["enum"]?.arrayValue?.compactMap(\.stringValue) ?? []),
                       FaultRule.knownGrantTypes)
        XCTAssertEqual(schema["additionalProperties"], .bool(false))
    }
}
