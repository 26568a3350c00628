import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Every exchange, in order. Memory stays bounded: only the newest `capacity` records are kept
/// (the count of evicted ones is reported), while an optional JSONL file receives all of them.
public final class ExchangeLog: @unchecked Sendable {
    public struct Filter: Sendable {
        public var clientId: String?
        public var grantType: String?
        public var outcome: String?
        public var afterSequence: Int?
        public init(clientId: String? = nil, grantType: String? = nil, outcome: String? = nil, afterSequence: Int? = nil) {
            self.clientId = clientId
            self.grantType = grantType
            self.outcome = outcome
            self.afterSequence = afterSequence
        }
    }

    public let capacity: Int
    private let lock = NSLock()
    private var ring: [ExchangeRecord] = []
    private var start = 0
    private var nextSequence = 1
    private var evictedCount = 0
    private let sink: JSONLinesFile?

    /// - Parameters:
    ///   - capacity: records kept in memory.
    ///   - recordFile: a path to append every record to as one JSON line, or nil.
    public init(capacity: Int = 10_000, recordFile: String? = nil) throws {
        self.capacity = max(1, capacity)
        self.sink = try recordFile.map(JSONLinesFile.init(path:))
    }

    /// Stores the record, giving it the next sequence number, and returns that number.
    @discardableResult
    public func append(_ record: consuming ExchangeRecord) -> Int {
        // Consumed: the caller's record moves in (a copy would retain each of its fields).
        var record = record
        lock.lock()
        let sequence = nextSequence
        record.sequence = sequence
        nextSequence += 1
        // Written under the lock so the file's order is the sequence order.
        sink?.write(record)
        if ring.count < capacity {
            ring.append(consume record)
        } else {
            // The oldest record leaves in `record` and is released after the lock is dropped.
            swap(&ring[start], &record)
            start = (start + 1) % capacity
            evictedCount += 1
        }
        lock.unlock()
        return sequence
    }

    /// The kept records, oldest first, that match the filter.
    public func records(matching filter: Filter = Filter()) -> [ExchangeRecord] {
        lock.lock()
        let ordered = Array(ring[start...] + ring[..<start])
        lock.unlock()
        return ordered.filter { record in
            if let clientId = filter.clientId, record.client?.appId.lowercased() != clientId.lowercased() { return false }
            if let grantType = filter.grantType, record.grantType != grantType { return false }
            if let outcome = filter.outcome, record.outcome != outcome { return false }
            if let after = filter.afterSequence, record.sequence <= after { return false }
            return true
        }
    }

    /// The delegation chain a token belongs to, oldest first: walking up through each hop's
    /// assertion, redeemed refresh token or authorization code to the sign-in that started it (the
    /// /authorize record that issued the code, when there is one), then down to every token
    /// obtained from those.
    /// Empty when no kept record issued or presented the token.
    public func chain(containing tokenId: String) -> [ExchangeRecord] {
        let all = records()
        var issuer: [String: ExchangeRecord] = [:]
        for record in all where record.outcome == "issued" {
            for token in record.issuedTokens where !token.uti.isEmpty { issuer[token.uti] = record }
        }
        guard var root = issuer[tokenId] ?? all.first(where: { $0.presentedTokenId == tokenId }) else { return [] }
        var seen: Set<Int> = [root.sequence]
        while let parentToken = root.presentedTokenId, let parent = issuer[parentToken], seen.insert(parent.sequence).inserted {
            root = parent
        }
        var chain = [root]
        var frontier = Set(root.issuedTokens.map(\.uti))
        while !frontier.isEmpty {
            let children = all.filter { record in
                record.presentedTokenId.map(frontier.contains) ?? false && !chain.contains { $0.sequence == record.sequence }
            }
            chain += children
            frontier = Set(children.filter { $0.outcome == "issued" }.flatMap { $0.issuedTokens.map(\.uti) })
        }
        return chain.sorted { $0.sequence < $1.sequence }
    }

    /// How many records were dropped from memory to respect `capacity`.
    public var evicted: Int {
        lock.lock()
        defer { lock.unlock() }
        return evictedCount
    }

    /// Forgets the kept records (the JSONL file keeps everything). Sequence numbers keep counting.
    public func clear() {
        lock.lock()
        ring.removeAll(keepingCapacity: true)
        start = 0
        lock.unlock()
    }

    /// Flushes and closes the record file, if any.
    public func close() {
        lock.lock()
        sink?.close()
        lock.unlock()
    }
}

/// Appends JSON lines with one `write(2)` each, so a crash loses at most the line being written.
final class JSONLinesFile: @unchecked Sendable {
    private var descriptor: Int32
    private let encoder: JSONEncoder

    init(path: String) throws {
        descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
    }

    func write(_ record: ExchangeRecord) {
        guard descriptor >= 0, var line = try? encoder.encode(record) else { return }
        line.append(UInt8(ascii: "\n"))
        line.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { break }
                offset += written
            }
        }
    }

    func close() {
        if descriptor >= 0 {
            fsync(descriptor)
            Glibc.close(descriptor)
            descriptor = -1
        }
    }
}

extension ExchangeRecord {
    /// The token or grant this exchange consumed: an OBO assertion, an authorization code, a refresh token.
    var presentedTokenId: String? { assertionTokenId ?? redeemedGrantId }
}
