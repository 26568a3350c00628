import Foundation
import JOSE

/// A second factor in progress: the password (or remembered) sign-in that is waiting for it and the
/// one-time code "sent" to the user.
struct PendingSecondFactor: Sendable {
    let authentication: Authentication
    let code: String
    let expiresAt: Date
    var attemptsLeft: Int
}

/// One-time codes by an unguessable step id that the MFA page carries in a hidden field. The step
/// id alone proves nothing: the code must match too, and a step ends after a few wrong codes or
/// ten minutes, so a code cannot be guessed. Bounded like every store here.
final class SecondFactorStore: @unchecked Sendable {
    static let lifetime: TimeInterval = 600
    /// Wrong codes allowed before the step ends and the user starts again.
    static let attempts = 3
    private static let capacity = 10_000

    enum Check: Sendable {
        case verified(Authentication)
        case wrongCode(attemptsLeft: Int)
        /// Unknown, expired, or out of attempts: the step is over.
        case ended
    }

    private let lock = NSLock()
    private var pending: [String: PendingSecondFactor] = [:]
    private var order: [String] = []
    /// The latest code per user, as the user's phone would show it: read by the test-control API.
    private var latestCode: [String: (code: String, expiresAt: Date)] = [:]

    func begin(_ authentication: Authentication, now: Date) -> (stepId: String, code: String) {
        let stepId = Base64URL.encode(SecureRandom.bytes(32))
        let code = Self.sixDigits()
        let expiresAt = now.addingTimeInterval(Self.lifetime)
        lock.lock()
        defer { lock.unlock() }
        pending[stepId] = PendingSecondFactor(authentication: authentication, code: code, expiresAt: expiresAt,
                                              attemptsLeft: Self.attempts)
        latestCode[authentication.userId.lowercased()] = (code, expiresAt)
        order.append(stepId)
        if order.count > Self.capacity {
            let dropped = order.count - Self.capacity
            for old in order.prefix(dropped) { pending[old] = nil }
            order.removeFirst(dropped)
        }
        return (stepId, code)
    }

    /// Checks a typed code. A right code ends the step (single use); a wrong one spends an attempt.
    func check(stepId: String, code typed: String, now: Date) -> Check {
        lock.lock()
        defer { lock.unlock() }
        guard var step = pending[stepId], step.expiresAt > now, step.attemptsLeft > 0 else {
            if let step = pending[stepId] { end(stepId, step) }
            return .ended
        }
        let digits = typed.filter { !$0.isWhitespace }
        if ClientAuthenticator.constantTimeEqual(step.code.utf8, digits.utf8) {
            end(stepId, step)
            return .verified(step.authentication)
        }
        step.attemptsLeft -= 1
        if step.attemptsLeft == 0 {
            end(stepId, step)
            return .ended
        }
        pending[stepId] = step
        return .wrongCode(attemptsLeft: step.attemptsLeft)
    }

    /// Forgets an ended step, and its code as the user's latest unless a newer step replaced it: the
    /// control API must not hand out a code that can no longer be used. Called under the lock.
    private func end(_ stepId: String, _ step: PendingSecondFactor) {
        pending[stepId] = nil
        let user = step.authentication.userId.lowercased()
        if latestCode[user]?.code == step.code { latestCode[user] = nil }
    }

    /// A live step (the MFA page names its user and is shown again after a wrong code).
    func step(_ stepId: String, now: Date) -> PendingSecondFactor? {
        lock.lock()
        defer { lock.unlock() }
        guard let step = pending[stepId], step.expiresAt > now else { return nil }
        return step
    }

    func latestCode(userId: String, now: Date) -> String? {
        lock.lock()
        defer { lock.unlock() }
        guard let entry = latestCode[userId.lowercased()], entry.expiresAt > now else { return nil }
        return entry.code
    }

    /// Six decimal digits, uniform (rejection sampling over 32-bit values).
    private static func sixDigits() -> String {
        while true {
            let bytes = SecureRandom.bytes(4)
            let value = bytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            let limit = UInt32.max - UInt32.max % 1_000_000
            guard value < limit else { continue }
            let number = String(value % 1_000_000)
            return String(repeating: "0", count: 6 - number.count) + number
        }
    }
}
