import Foundation
import JOSE

/// One device authorization (RFC 8628) while the user approves it on the device-login page.
struct StoredDeviceCode: Sendable {
    enum State: Sendable {
        case pending
        case approved(Authentication)
        case declined
        case redeemed
    }

    let deviceCode: String
    let userCode: String
    let clientId: String
    let tenantId: String
    /// Remembered from the device authorization: msal polls without a scope.
    let scope: String
    /// The `claims` the device authorization asked for (a step-up challenge passed on by the app).
    let claims: String?
    let expiresAt: Date
    var state: State
}

/// Device codes by `device_code` and by `user_code`. Polling is atomic, so one approved code
/// mints exactly one token however many pollers race.
final class DeviceCodeStore: @unchecked Sendable {
    static let lifetime: TimeInterval = 900
    static let interval: TimeInterval = 5
    /// Letters and digits that cannot be mistaken for one another when typed.
    private static let userCodeAlphabet = Array("BCDFGHJKLMNPQRSTVWXZ23456789")

    /// Codes kept at most: anyone may ask for device codes without a credential, so a flood must
    /// neither grow memory without bound nor slow every request (the oldest go first).
    static let capacity = 100_000

    private let lock = NSLock()
    private var byDeviceCode: [String: StoredDeviceCode] = [:]
    private var deviceCodeByUserCode: [String: String] = [:]
    /// Device codes in the order they were issued, `head` the oldest still listed: they all live
    /// equally long, so expired ones are always at the front and purging costs only what it removes.
    private var order: [String] = []
    private var head = 0

    func issue(clientId: String, tenantId: String, scope: String, claims: String?, now: Date) -> StoredDeviceCode {
        let random = SecureRandom.bytes(9)
        let userCode = String(random.map { Self.userCodeAlphabet[Int($0) % Self.userCodeAlphabet.count] })
        let code = StoredDeviceCode(deviceCode: "DAQABIQEAAAB" + Base64URL.encode(SecureRandom.bytes(48)), userCode: userCode,
                                    clientId: clientId, tenantId: tenantId, scope: scope, claims: claims,
                                    expiresAt: now.addingTimeInterval(Self.lifetime), state: .pending)
        lock.lock()
        purge(now: now)
        byDeviceCode[code.deviceCode] = code
        deviceCodeByUserCode[userCode] = code.deviceCode
        order.append(code.deviceCode)
        lock.unlock()
        return code
    }

    /// The code a user typed (case and dashes ignored), if it is known and not expired.
    func lookup(userCode: String, now: Date) -> StoredDeviceCode? {
        lock.lock()
        defer { lock.unlock() }
        guard let deviceCode = deviceCodeByUserCode[Self.normalized(userCode)], let code = byDeviceCode[deviceCode],
              code.expiresAt > now else { return nil }
        return code
    }

    /// The code a client polls for, without consuming or timing the poll.
    func lookup(deviceCode: String, clientId: String) -> StoredDeviceCode? {
        lock.lock()
        defer { lock.unlock() }
        guard let code = byDeviceCode[deviceCode], code.clientId == clientId else { return nil }
        return code
    }

    /// Approves or declines a pending code; false when the code is unknown, expired or already decided.
    func decide(userCode: String, now: Date, approval: Authentication?) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard let deviceCode = deviceCodeByUserCode[Self.normalized(userCode)], var code = byDeviceCode[deviceCode],
              code.expiresAt > now, case .pending = code.state else { return false }
        code.state = approval.map { .approved($0) } ?? .declined
        byDeviceCode[deviceCode] = code
        return true
    }

    /// One poll: the approved sign-in exactly once; otherwise the RFC 8628 error for the state.
    func poll(deviceCode: String, clientId: String, now: Date) throws(EntraError) -> (StoredDeviceCode, Authentication) {
        lock.lock()
        defer { lock.unlock() }
        guard var code = byDeviceCode[deviceCode], code.clientId == clientId else { throw .badVerificationCode() }
        guard code.expiresAt > now else { throw .deviceCodeExpired() }
        switch code.state {
        case .pending:
            // Polled faster than `interval` too: Entra documents no `slow_down` (its device-code page
            // lists pending, declined, bad code, expired), and MSAL.NET and ADAL stop at any error
            // but `authorization_pending`, so a client polling early must not fail here.
            throw .authorizationPending()
        case .declined:
            throw .authorizationDeclined()
        case .redeemed:
            throw .codeAlreadyRedeemed()
        case .approved(let authentication):
            code.state = .redeemed
            byDeviceCode[deviceCode] = code
            return (code, authentication)
        }
    }

    static func normalized(_ userCode: String) -> String {
        userCode.uppercased().filter { $0 != "-" && $0 != " " }
    }

    /// Drops codes from the front while they are long expired (kept a lifetime more so a late poll
    /// still hears "expired"), or while the store is over capacity.
    private func purge(now: Date) {
        while head < order.count {
            let deviceCode = order[head]
            if let code = byDeviceCode[deviceCode] {
                guard code.expiresAt.addingTimeInterval(Self.lifetime) < now || byDeviceCode.count >= Self.capacity else { break }
                byDeviceCode[deviceCode] = nil
                if deviceCodeByUserCode[code.userCode] == deviceCode { deviceCodeByUserCode[code.userCode] = nil }
            }
            head += 1
        }
        if head > 1024, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }
}

extension EntraError {
    /// 70016: keep polling.
    static func authorizationPending() -> EntraError {
        EntraError(error: "authorization_pending", code: 70016,
                   message: "OAuth 2.0 device flow error. Authorization is pending. Continue polling.")
    }

    /// The user declined on the device-login page. 65004 (user declined) is our choice of code.
    static func authorizationDeclined() -> EntraError {
        EntraError(error: "authorization_declined", code: 65004, message: "The end user declined the authorization request.")
    }

    /// 70020.
    static func deviceCodeExpired() -> EntraError {
        EntraError(error: "expired_token", code: 70020,
                   message: "The provided value for the input parameter 'device_code' is not valid. This device code has expired.")
    }

    /// A device code this service never issued (or issued to another client). 70019 is inferred.
    static func badVerificationCode() -> EntraError {
        EntraError(error: "bad_verification_code", code: 70019,
                   message: "The provided value for the input parameter 'device_code' is not valid.")
    }
}
