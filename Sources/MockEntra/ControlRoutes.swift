import Foundation
import HTTPServer
import JOSE
import TokenService

/// The test-control API under `/_mockentra/`: exchange records, the clock, headless sign-in
/// (ControlSignInRoutes.swift), the CAE check (ControlCAERoutes.swift), injected faults
/// (ControlFaultRoutes.swift) and scenario reload (ControlReloadRoutes.swift). It shares the
/// listener with the Entra endpoints so a test needs only one URL.
struct ControlRoutes: Sendable {
    static let prefix = "_mockentra"

    let service: TokenService
    let scenarioFile: String?

    struct ExchangeList: Encodable {
        let exchanges: [ExchangeRecord]
        /// Records dropped from memory to keep it bounded (the `--record` file has them all).
        let evicted: Int
    }

    struct ClockState: Encodable {
        let now: Date
        let offsetSeconds: Double
    }

    struct ClockChange: Decodable {
        let advanceSeconds: Double?
        let set: Date?
        let reset: Bool?
    }

    struct ControlError: Encodable {
        let error: String
    }

    func route(_ context: RequestContext, path: ArraySlice<String>) -> HTTPResponse {
        let method = context.request.method
        // A web page can send a cross-site form or text/plain POST without a preflight, but not an
        // application/json one: requiring it keeps pages in a developer's browser from signing
        // users in, approving device codes or moving the clock here.
        if method == "POST", !(context.request.headers["Content-Type"]?.lowercased().hasPrefix("application/json") ?? false) {
            return .json(ControlError(error: "Test-control POST requests must send Content-Type: application/json."), status: 415)
        }
        switch (method, Array(path)) {
        case ("GET", ["health"]):
            return .json(["status": "ok"])
        case ("GET", let path) where path.count == 2 && path[0] == "chains":
            let chain = service.log.chain(containing: path[1])
            guard !chain.isEmpty else {
                return .json(ControlError(error: "No kept exchange issued or presented a token with uti '\(path[1])'."), status: 404)
            }
            return .json(["chain": chain])
        case ("GET", ["exchanges"]):
            // A query that does not parse would otherwise read as no filter at all.
            guard !context.queryIsMalformed else { return .json(ControlError(error: "The query string is malformed."), status: 400) }
            return exchanges(context.query)
        case ("DELETE", ["exchanges"]):
            service.log.clear()
            return .noContent
        case ("GET", ["clock"]):
            return clockState()
        case ("POST", ["clock"]):
            return changeClock(context.request.body)
        case ("POST", ["scenario", "reload"]):
            return reloadScenario()
        case ("GET", ["faults"]):
            return .json(FaultList(faults: service.faults.pending))
        case ("POST", ["faults"]):
            return addFault(context.request.body)
        case ("DELETE", ["faults"]):
            service.faults.clear()
            return .noContent
        case ("POST", ["signin"]):
            return headlessSignIn(context.request.body, baseURL: context.baseURL, remoteAddress: context.request.remoteAddress)
        case ("GET", let p) where p.count == 3 && p[0] == "users" && p[2] == "mfa-code":
            return oneTimeCode(p[1])
        case ("POST", ["cae", "evaluate"]):
            return evaluateContinuousAccess(context.request.body, baseURL: context.baseURL)
        case ("POST", let p) where p.count == 3 && p[0] == "users" && p[2] == "revoke-sessions":
            return revokeSessions(p[1])
        case ("POST", let p) where p.count == 3 && p[0] == "devicecodes" && (p[2] == "approve" || p[2] == "decline"):
            return decideDeviceCode(p[1], approve: p[2] == "approve", body: context.request.body, baseURL: context.baseURL,
                                    remoteAddress: context.request.remoteAddress)
        default:
            return .json(ControlError(error: "No test-control route \(method) /\(Self.prefix)/\(path.joined(separator: "/"))"), status: 404)
        }
    }

    /// The kept records matching the query's filters. A filter it does not know is a 400, not
    /// ignored: a misspelt one (`grantType=`) would otherwise match every record.
    private func exchanges(_ query: FormData) -> HTTPResponse {
        let filters = ["client_id", "grant_type", "outcome", "after"]
        if let unknown = query.pairs.first(where: { !filters.contains($0.name) }) {
            return .json(ControlError(error: "Unknown filter '\(unknown.name)': use \(filters.joined(separator: ", "))."), status: 400)
        }
        let after = query.first("after")
        if let after, Int(after) == nil {
            return .json(ControlError(error: "after must be a sequence number."), status: 400)
        }
        let filter = ExchangeLog.Filter(clientId: query.first("client_id"), grantType: query.first("grant_type"),
                                        outcome: query.first("outcome"), afterSequence: after.flatMap { Int($0) })
        return .json(ExchangeList(exchanges: service.log.records(matching: filter), evicted: service.log.evicted))
    }

    private func clockState() -> HTTPResponse {
        let now = service.clock.now()
        return .json(ClockState(now: now, offsetSeconds: (now.timeIntervalSinceNow * 1000).rounded() / 1000))
    }

    /// `{"advanceSeconds": 3600}`, `{"set": "2030-01-01T00:00:00Z"}` or `{"reset": true}`.
    private func changeClock(_ body: [UInt8]) -> HTTPResponse {
        guard let change = ControlJSON.decode(ClockChange.self, from: body) else {
            return .json(ControlError(error: "Expected a JSON body with advanceSeconds, set (ISO 8601) or reset."), status: 400)
        }
        let limit = "The clock stays within \(Int(Clock.maximumOffset / (365.25 * 86400))) years of real time."
        if change.reset == true { service.clock.reset() }
        if let date = change.set, !service.clock.set(to: date) {
            return .json(ControlError(error: "set is too far from now. \(limit)"), status: 400)
        }
        if let seconds = change.advanceSeconds, !service.clock.advance(by: seconds) {
            return .json(ControlError(error: "advanceSeconds must be a finite number that keeps the clock in range. \(limit)"), status: 400)
        }
        return clockState()
    }
}

/// Decodes a test-control JSON body. The body is first read by JOSE's strict parser, which bounds
/// nesting depth and size, so no request can drive JSONDecoder's recursion into a worker
/// thread's stack limit.
enum ControlJSON {
    static func decode<T: Decodable>(_ type: T.Type, from body: [UInt8]) -> T? {
        guard (try? JSONValue.parseStrict(body)) != nil else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(type, from: Data(body))
    }
}
