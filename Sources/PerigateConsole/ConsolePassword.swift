import HummingbirdBcrypt
import NIOPosix
import Synchronization

/// Console passwords: bcrypt (hummingbird-auth's), checked on a thread pool of its own (one
/// thread) so a login never stalls the event loop, and a login flood never queues ahead of the
/// store's work on NIO's shared pool; at most ``maximumQueued`` checks wait, beyond that a login
/// is answered "busy" at once.
public enum ConsolePassword {
    /// Checks waiting or running at most; more are refused at once (429).
    public static let maximumQueued = 8

    /// One thread: a flood of logins costs at most one core.
    private static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        return pool
    }()

    private static let queued = Atomic<Int>(0)

    /// bcrypt cost: 2^12 rounds, about a quarter of a second per check on a 2-core VM.
    public static let cost: UInt8 = 12

    /// A bcrypt hash (tests pass a lower `cost`; verifying reads the cost from the hash).
    public static func hash(_ password: String, cost: UInt8 = cost) -> String {
        Bcrypt.hash(password, cost: cost)
    }

    /// Whether `password` matches `hash`; with no hash, a check against a dummy hash (the same
    /// time spent, so a response does not tell whether the login name exists) that fails.
    /// `nil` when ``maximumQueued`` checks are already waiting (nothing was checked).
    public static func verify(_ password: String, hash: String?) async -> Bool? {
        guard queued.add(1, ordering: .relaxed).newValue <= maximumQueued else {
            queued.subtract(1, ordering: .relaxed)
            return nil
        }
        defer { queued.subtract(1, ordering: .relaxed) }
        let matched = try? await pool.runIfActive {
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
