import Crypto
import Foundation

/// The audit log's hash chain.
///
/// Line *n* is stored as its canonical encoding `line(n)`: the entry as JSON, keys sorted by code
/// point, no whitespace, `/` not escaped, UTF-8, with `sequence` set. Its hash is
/// `hash(n) = hex(SHA-256(hash(n-1) + "\n" + line(n)))`, lowercase hex; `hash(0)` is 64 zeros.
/// Changing any byte of a line, deleting, inserting or swapping lines breaks the chain from that
/// line on; cutting off the tail is caught by a signed checkpoint (``AuditCheckpoint``).
public enum AuditChain {
    /// The hash before the first line.
    public static let genesis = String(repeating: "0", count: 64)

    /// One stored line: what the verifier reads back.
    public struct Row: Sendable, Hashable {
        public var sequence: Int
        public var line: String
        public var previousHash: String
        public var hash: String
        /// What the store keeps beside the line to find it by, where that is a copy that could
        /// differ from the line (PostgreSQL since migration 14; SQLite computes it from the line
        /// on every read): `nil` when there is no such copy.
        public var indexed: Indexed?

        public init(sequence: Int, line: String, previousHash: String, hash: String, indexed: Indexed? = nil) {
            self.sequence = sequence
            self.line = line
            self.previousHash = previousHash
            self.hash = hash
            self.indexed = indexed
        }
    }

    /// A line's client, time and acting organisation as stored for look-ups (her access log, a
    /// partner's, retention by time).
    public struct Indexed: Sendable, Hashable {
        public var client: String?
        public var time: String?
        public var organisation: String?

        public init(client: String?, time: String?, organisation: String?) {
            self.client = client
            self.time = time
            self.organisation = organisation
        }

        /// Whether they are `entry`'s own, byte for byte (as the database compares them: Swift's
        /// `==` would take canonically equivalent spellings for one).
        public func matches(_ entry: AuditEntry) -> Bool {
            func same(_ stored: String?, _ own: String?) -> Bool {
                switch (stored, own) {
                case (nil, nil): true
                case let (stored?, own?): stored.utf8.elementsEqual(own.utf8)
                default: false
                }
            }
            return same(client, entry.client) && same(time, entry.time) && same(organisation, entry.organisation?.ura)
        }
    }

    /// The canonical encoding of an entry (its `sequence` must be set).
    public static func encode(_ entry: AuditEntry) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(entry), as: UTF8.self)
    }

    public static func hash(previous: String, line: String) -> String {
        Hex.encode(SHA256.hash(data: Data((previous + "\n" + line).utf8)))
    }

    /// Chains `entries` after the head (`sequence`, `hash`): numbered, encoded and hashed.
    public static func rows(for entries: [AuditEntry], after head: (sequence: Int, hash: String)) throws -> [Row] {
        try rows(forTemplates: entries.map(template), after: head)
    }

    /// An entry encoded with sequence 0: the expensive part of chaining, done before the
    /// transaction that numbers it (``rows(forTemplates:after:)``).
    public static func template(_ entry: AuditEntry) throws -> String {
        var entry = entry
        entry.sequence = 0
        return try encode(entry)
    }

    /// Chains pre-encoded entries: puts each one's sequence number in and hashes it. (A string
    /// value cannot contain `"sequence":0` unescaped, so the only match is the top-level key.)
    public static func rows(forTemplates templates: [String], after head: (sequence: Int, hash: String)) throws -> [Row] {
        var rows: [Row] = []
        var previous = head
        for template in templates {
            let sequence = previous.sequence + 1
            var bytes = Array(template.utf8)
            guard let key = sequenceKey(in: bytes) else { throw Break(sequence: sequence, reason: "not an audit line template") }
            bytes.replaceSubrange(key, with: Array("\"sequence\":\(sequence)".utf8))
            let line = String(decoding: bytes, as: UTF8.self)
            let row = Row(sequence: sequence, line: line, previousHash: previous.hash, hash: hash(previous: previous.hash, line: line))
            rows.append(row)
            previous = (row.sequence, row.hash)
        }
        return rows
    }

    /// The number a round put into `line` (as ``sequenceKey(in:)`` finds the place: the first
    /// `"sequence":`, followed by digits and `,` or `}`), or `nil`.
    public static func lineSequence(_ line: String) -> Int? {
        let bytes = Array(line.utf8)
        guard let key = firstOffset(of: sequenceName, in: bytes) else { return nil }
        let digits = bytes[(key + sequenceName.count)...].prefix { (0x30...0x39).contains($0) }
        guard !digits.isEmpty, digits.count < 19, let next = bytes.dropFirst(key + sequenceName.count + digits.count).first,
              next == UInt8(ascii: ",") || next == UInt8(ascii: "}") else { return nil }
        return Int(String(decoding: digits, as: UTF8.self))
    }

    /// Where a template's sequence goes (its first `"sequence":0`, followed by `,` or `}`), as a
    /// range of its UTF-8 bytes, or `nil` when `template` is not one. PostgreSQL's sealing function
    /// `perigate_seal` puts the number in at the same place. Bytes, not `String.range(of:)`, which
    /// goes through Foundation's NSString on Linux (~1,200 instructions per byte of a line).
    public static func sequenceKey(in template: [UInt8]) -> Range<Int>? {
        let key = sequenceName + [UInt8(ascii: "0")]
        guard let start = firstOffset(of: key, in: template), start + key.count < template.count,
              [UInt8(ascii: ","), UInt8(ascii: "}")].contains(template[start + key.count]) else { return nil }
        return start..<(start + key.count)
    }

    private static let sequenceName = Array("\"sequence\":".utf8)

    /// The first offset at which `pattern` occurs in `bytes` (the standard library's
    /// `firstRange(of:)` took ~200 times as long on a 1 KB line, measured with `swiftc -O`).
    private static func firstOffset(of pattern: [UInt8], in bytes: [UInt8]) -> Int? {
        guard let first = pattern.first, bytes.count >= pattern.count else { return nil }
        var index = 0
        while index <= bytes.count - pattern.count {
            if bytes[index] == first, bytes[index..<(index + pattern.count)].elementsEqual(pattern) { return index }
            index += 1
        }
        return nil
    }

    /// What kind of problem verification found: a stable code for tests, scripts and the console.
    public enum Cause: String, Sendable, Hashable, CaseIterable {
        /// A line changed, missing, inserted or out of order (the hash chain itself).
        case chainBroken = "audit.chain-broken"
        /// The log ends before a line a witness (or the checkpoint file) holds a checkpoint for.
        case shorterThanWitnessed = "audit.shorter-than-witnessed"
        /// A checkpoint names another hash for a line than the log holds.
        case checkpointMismatch = "audit.checkpoint-mismatch"
        /// A checkpoint whose signature does not verify.
        case checkpointBadSignature = "audit.checkpoint-bad-signature"
        /// A checkpoint signed by a key that is not trusted (pinned, or the key file's).
        case checkpointOtherKey = "audit.checkpoint-other-key"
        /// A non-empty log that no witnessed checkpoint covers.
        case noCheckpoint = "audit.no-checkpoint"
        /// Nothing to check checkpoints with: no public key given and no key file.
        case noTrustedKey = "audit.no-trusted-key"
        /// Lines after the last witnessed checkpoint, older than the checkpoint interval.
        case unprotectedTail = "audit.unprotected-tail"
        /// Lines committed but not sealed into the chain (PostgreSQL), older than the checkpoint interval.
        case unsealed = "audit.unsealed"
        /// (PostgreSQL) Lines in the chain, hashes intact, that are no audit line a gateway
        /// writes: put into `audit_pending` with the database's credentials and sealed.
        case foreignLine = "audit.foreign-line"
        /// (PostgreSQL) Audit entries whose client, time or organisation as stored for look-ups
        /// differ from the line's own: changed in the database, or put into `audit_pending` with a
        /// key repeated (the database reads the last, the gateway the first). Noted; the chain is
        /// checked on past them.
        case indexMismatch = "audit.index-mismatch"
        /// A purge record without a valid signature by a trusted key.
        case purgeUnsigned = "audit.purge-unsigned"
        /// A purge no witnessed checkpoint proves the age of.
        case purgeUnproven = "audit.purge-unproven"
        /// A purge that removed lines younger than the legal minimum retention.
        case purgeTooYoung = "audit.purge-too-young"
    }

    /// A problem found by ``Verifier`` or by `verifyAudit`.
    public struct Break: Sendable, Hashable, Error, CustomStringConvertible {
        /// The first sequence number that does not check out (0: not about one line).
        public var sequence: Int
        public var reason: String
        public var cause: Cause
        public var description: String { "line \(sequence): \(reason) [\(cause.rawValue)]" }

        public init(sequence: Int, reason: String, cause: Cause = .chainBroken) {
            self.sequence = sequence
            self.reason = reason
            self.cause = cause
        }
    }

    /// Checks rows in order, one at a time (so a long log streams through in pages).
    public struct Verifier: Sendable {
        /// The last good line (sequence, hash).
        public private(set) var head: (sequence: Int, hash: String)
        /// The time written in the last good line.
        public private(set) var headTime: String?

        /// Starts after a known-good line: the genesis, a checkpoint or a purge boundary.
        public init(after head: (sequence: Int, hash: String) = (0, AuditChain.genesis)) {
            self.head = head
        }

        /// Checks the next row; throws ``Break`` at the first inconsistency.
        public mutating func check(_ row: Row) throws {
            let expected = head.sequence + 1
            guard row.sequence == expected else {
                throw Break(sequence: expected, reason: row.sequence > expected ? "missing (the next line present is \(row.sequence))"
                                                                              : "out of order (found \(row.sequence))")
            }
            guard row.previousHash == head.hash else {
                throw Break(sequence: row.sequence, reason: "does not follow line \(head.sequence) (previous hash differs)")
            }
            guard AuditChain.hash(previous: head.hash, line: row.line) == row.hash else {
                throw Break(sequence: row.sequence, reason: "content changed (hash does not match)")
            }
            guard let entry = try? JSONDecoder().decode(AuditEntry.self, from: Data(row.line.utf8)), entry.sequence == row.sequence else {
                // Sealed as a round seals (its number where the round puts it) but no audit
                // entry: on PostgreSQL, a row put into audit_pending by hand. The chain goes on
                // past it (verification reports it, checkpoints are signed on).
                guard AuditChain.lineSequence(row.line) == row.sequence else {
                    throw Break(sequence: row.sequence, reason: "the line does not carry its own sequence number")
                }
                if foreign.count < 20 { foreign.append(row.sequence) }
                foreignCount += 1
                head = (row.sequence, row.hash)
                return
            }
            // The hashes cover the line, not the copies beside it: when they differ, her access log
            // (or a partner's, or retention by time) would miss or misplace the line. Noted, and the
            // chain checked on past it, as for foreign lines: the chain itself is intact, and a
            // line the gateway's database role can put in must not stop verification or signing.
            if let indexed = row.indexed, !indexed.matches(entry) {
                if mismatched.count < 20 { mismatched.append(row.sequence) }
                mismatchedCount += 1
            }
            head = (row.sequence, row.hash)
            headTime = entry.time
        }

        /// The first (up to 20) lines that are no audit entry, and how many there were.
        public private(set) var foreign: [Int] = []
        public private(set) var foreignCount = 0

        /// Audit entries whose look-up copies differ from the line (the first 20), and how many.
        public private(set) var mismatched: [Int] = []
        public private(set) var mismatchedCount = 0

        /// What verification says of the lines it went on past — foreign lines, lines whose
        /// look-up copies differ — the one met first: `nil` when there are none.
        public var notedProblem: Break? {
            var noted: [Break] = []
            if let first = foreign.first {
                noted.append(Break(sequence: first, reason: """
                    \(Self.list(foreign, foreignCount)) are in the chain with intact hashes but are no audit line a gateway writes: put \
                    into audit_pending with the database's credentials and sealed — record it as a security event; the lines around \
                    them are checked as usual
                    """, cause: .foreignLine))
            }
            if let first = mismatched.first {
                noted.append(Break(sequence: first, reason: """
                    \(Self.list(mismatched, mismatchedCount)) are audit entries whose client, time or organisation as stored beside \
                    them for look-ups differ from the line's own: changed in the database, or put into audit_pending with a key \
                    repeated — her access log, a partner's or retention would miss or misplace them; record it as a security event; \
                    the lines around them are checked as usual
                    """, cause: .indexMismatch))
            }
            return noted.min { $0.sequence < $1.sequence }
        }

        private static func list(_ lines: [Int], _ count: Int) -> String {
            "\(count) lines (\(lines.map(String.init).joined(separator: ", "))\(count > lines.count ? ", …" : ""))"
        }
    }
}
