import HummingbirdBcrypt
import NIOPosix

/// Console passwords: bcrypt (hummingbird-auth's), checked on NIO's thread pool so a login
/// never stalls the event loop.
public enum ConsolePassword {
    /// bcrypt cost: 2^12 rounds, about a quarter of a second per check on a 2-core VM.
    public static let cost: UInt8 = 12

    /// A bcrypt hash (tests pass a lower `cost`; verifying reads the cost from the hash).
    public static func hash(_ password: String, cost: UInt8 = cost) -> String {
        Bcrypt.hash(password, cost: cost)
    }

    /// Whether `password` matches `hash`; with no hash, a check against a dummy hash (the same
    /// time spent, so a response does not tell whether the login name exists) that fails.
    public static func verify(_ password: String, hash: String?) async -> Bool {
        let matched = try? await NIOThreadPool.singleton.runIfActive {
            Bcrypt.verify(password, hash: hash ?? dummyHash)
        }
        return hash != nil && matched == true
    }

    private static let dummyHash = Bcrypt.hash("no such operator", cost: cost)

    /// Why a new password is refused, or `nil`: 12 to 72 bytes (bcrypt reads no more).
    public static func problem(with password: String) -> String? {
        if password.count < 12 { return "a console password has at least 12 characters" }
        if password.utf8.count > 72 { return "a console password has at most 72 bytes" }
        return nil
    }

    /// A login name: 3 to 64 of letters, digits, `.`, `_`, `-`.
    public static func isValidLogin(_ id: String) -> Bool {
        (3...64).contains(id.count) && id.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || ".-_".contains($0) }
    }
}
