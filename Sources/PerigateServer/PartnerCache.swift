import Foundation
import PerigateCore
import Synchronization

/// Remembers token → partner lookups for a short time, so a busy partner does not cost a
/// database query per request. A revocation (`perigate partner revoke`, another process) takes
/// effect within `lifetime`; unknown tokens are remembered too, so guessing costs no queries.
final class PartnerCache: Sendable {
    private struct Entry {
        var partner: Partner?
        var expires: ContinuousClock.Instant
    }

    private let entries = Mutex<[String: Entry]>([:])
    let lifetime: Duration
    /// Entries kept at most; beyond it the cache starts over.
    let capacity = 10_000

    init(lifetime: Duration) {
        self.lifetime = lifetime
    }

    /// The partner for `key` from the cache, or from `load` (then cached).
    func partner(_ key: String, load: () async throws -> Partner?) async throws -> Partner? {
        let now = ContinuousClock.now
        if lifetime > .zero, let entry = entries.withLock({ $0[key] }), entry.expires > now {
            return entry.partner
        }
        let partner = try await load()
        if lifetime > .zero {
            entries.withLock { entries in
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
                entries[key] = Entry(partner: partner, expires: now + lifetime)
            }
        }
        return partner
    }
}
