// Typed, path-aware reading of a parsed JSON document. Every mismatch becomes a problem at a
// precise path and reading carries on, so one load reports everything that is wrong.
import JOSE

/// The problems found so far in one file.
struct Diagnostics {
    let file: String
    private(set) var problems: [ScenarioProblem] = []

    init(file: String) { self.file = file }

    mutating func report(_ path: JSONPath, _ reason: String) {
        problems.append(ScenarioProblem(file: file, path: path.text, reason: reason))
    }
}

/// A location in the document, printed like `applications[2].api.oauth2PermissionScopes[0].value`.
struct JSONPath: Sendable, CustomStringConvertible {
    let text: String
    static let root = JSONPath(text: "$")

    func key(_ name: String) -> JSONPath { JSONPath(text: text == "$" ? name : "\(text).\(name)") }
    func index(_ position: Int) -> JSONPath { JSONPath(text: "\(text)[\(position)]") }
    var description: String { text }
}

extension JSONValue {
    /// "a string", "an array", … for messages such as "expected a string, found an array".
    var kindDescription: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// One JSON object being read. Explicit `null` reads as "absent": exports from Graph are full of them.
struct ObjectReader {
    let fields: [String: JSONValue]
    let path: JSONPath

    init?(_ value: JSONValue, at path: JSONPath, _ diagnostics: inout Diagnostics) {
        guard case .object(let fields) = value else {
            diagnostics.report(path, "expected an object, found \(value.kindDescription)")
            return nil
        }
        self.fields = fields
        self.path = path
    }

    /// Reports every property not in `allowed`: a typo must never be silently ignored.
    func rejectUnknownKeys(allowed: [String], _ diagnostics: inout Diagnostics) {
        for key in fields.keys.sorted() where !allowed.contains(key) {
            var reason = "unknown property '\(key)'"
            if let suggestion = Spelling.closest(to: key, among: allowed) { reason += " (did you mean '\(suggestion)'?)" }
            diagnostics.report(path, reason)
        }
    }

    func has(_ key: String) -> Bool { present(key) != nil }

    func present(_ key: String) -> JSONValue? {
        guard let value = fields[key] else { return nil }
        if case .null = value { return nil }
        return value
    }

    func string(_ key: String, required: Bool = false, _ diagnostics: inout Diagnostics) -> String? {
        guard let value = present(key) else {
            if required { diagnostics.report(path.key(key), "required property is missing") }
            return nil
        }
        guard case .string(let text) = value else {
            diagnostics.report(path.key(key), "expected a string, found \(value.kindDescription)")
            return nil
        }
        if required, text.isEmpty {
            diagnostics.report(path.key(key), "must not be empty")
            return nil
        }
        return text
    }

    func bool(_ key: String, _ diagnostics: inout Diagnostics) -> Bool? {
        guard let value = present(key) else { return nil }
        guard case .bool(let flag) = value else {
            diagnostics.report(path.key(key), "expected a boolean, found \(value.kindDescription)")
            return nil
        }
        return flag
    }

    /// A whole number within `range`; anything else present is reported and reads as absent.
    func integer(_ key: String, in range: ClosedRange<Int>, _ diagnostics: inout Diagnostics) -> Int? {
        guard let value = present(key) else { return nil }
        guard case .number(let number) = value, number == number.rounded(),
              number >= Double(range.lowerBound), number <= Double(range.upperBound) else {
            diagnostics.report(path.key(key), "expected a whole number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return Int(number)
    }

    func object(_ key: String, required: Bool = false, _ diagnostics: inout Diagnostics) -> ObjectReader? {
        guard let value = present(key) else {
            if required { diagnostics.report(path.key(key), "required property is missing") }
            return nil
        }
        return ObjectReader(value, at: path.key(key), &diagnostics)
    }

    /// The elements of an array property with their paths; nil (and a problem) if it is not an array.
    func array(_ key: String, _ diagnostics: inout Diagnostics) -> [(value: JSONValue, path: JSONPath)]? {
        guard let value = present(key) else { return nil }
        guard case .array(let elements) = value else {
            diagnostics.report(path.key(key), "expected an array, found \(value.kindDescription)")
            return nil
        }
        let base = path.key(key)
        return elements.enumerated().map { (value: $0.element, path: base.index($0.offset)) }
    }

    /// An array of strings; non-string elements are reported and skipped.
    func strings(_ key: String, _ diagnostics: inout Diagnostics) -> [(text: String, path: JSONPath)] {
        guard let elements = array(key, &diagnostics) else { return [] }
        var result: [(text: String, path: JSONPath)] = []
        for element in elements {
            guard case .string(let text) = element.value else {
                diagnostics.report(element.path, "expected a string, found \(element.value.kindDescription)")
                continue
            }
            result.append((text: text, path: element.path))
        }
        return result
    }

    /// The objects of an array property; non-object elements are reported and skipped.
    func objects(_ key: String, _ diagnostics: inout Diagnostics) -> [ObjectReader] {
        guard let elements = array(key, &diagnostics) else { return [] }
        return elements.compactMap { ObjectReader($0.value, at: $0.path, &diagnostics) }
    }

    /// A string property that must be one of `T`'s raw values.
    func enumValue<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type, required: Bool = false,
                                                        _ diagnostics: inout Diagnostics) -> T? where T.RawValue == String {
        guard let text = string(key, required: required, &diagnostics) else { return nil }
        guard let value = T(rawValue: text) else {
            diagnostics.report(path.key(key), Self.notOneOf(T.self, text))
            return nil
        }
        return value
    }

    /// An array of such strings, without repeats; unknown entries are reported and skipped.
    func enumList<T: RawRepresentable & CaseIterable & Equatable>(_ key: String, _ type: T.Type,
                                                                   _ diagnostics: inout Diagnostics) -> [T] where T.RawValue == String {
        var result: [T] = []
        for entry in strings(key, &diagnostics) {
            guard let value = T(rawValue: entry.text) else {
                diagnostics.report(entry.path, Self.notOneOf(T.self, entry.text))
                continue
            }
            if !result.contains(value) { result.append(value) }
        }
        return result
    }

    private static func notOneOf<T: RawRepresentable & CaseIterable>(_ type: T.Type, _ text: String) -> String where T.RawValue == String {
        "must be one of \(T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")), found \"\(Spelling.excerpt(text))\""
    }

    /// A GUID property, validated and lower-cased.
    func guid(_ key: String, _ diagnostics: inout Diagnostics) -> String? {
        guard let text = string(key, &diagnostics) else { return nil }
        guard let guid = GUID.normalized(text) else {
            diagnostics.report(path.key(key), "'\(Spelling.excerpt(text))' is not a GUID (expected 8-4-4-4-12 hexadecimal digits)")
            return nil
        }
        return guid
    }
}

/// Helpers for friendly messages.
enum Spelling {
    /// The allowed name nearest to `word` if it is close enough to be a likely typo.
    static func closest(to word: String, among candidates: [String]) -> String? {
        let lowered = Array(word.lowercased().utf8.prefix(64))
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(lowered, Array(candidate.lowercased().utf8))
            if distance <= max(1, candidate.utf8.count / 4), distance < (best?.distance ?? Int.max) {
                best = (candidate, distance)
            }
        }
        return best?.name
    }

    /// Long hostile strings are shortened in messages so a report stays readable.
    static func excerpt(_ text: String) -> String {
        text.count <= 80 ? text : String(text.prefix(77)) + "..."
    }

    private static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
