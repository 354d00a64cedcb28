import Foundation

/// Somewhere outside the gateway's data that keeps signed checkpoints: a file on another volume,
/// a syslog destination, a witness server (`perigate audit witness`). The gateway sends every
/// checkpoint to each of them.
public protocol AuditWitness: Sendable {
    /// Names it in logs and verify output (never a secret).
    var name: String { get }
    /// Stores one checkpoint; throws when the witness did not take it.
    func record(_ checkpoint: AuditCheckpoint) async throws
}

/// A witness that can be read back by `perigate audit verify --witness` (a file, a witness
/// server; a syslog destination is read through the file its server writes).
public protocol AuditWitnessSource: Sendable {
    var name: String { get }
    /// Every checkpoint it holds, oldest first.
    func checkpoints() async throws -> [AuditCheckpoint]
}

/// A configured witness: `file:PATH` (or a path), `syslog://HOST:PORT` (RFC 5424 over TCP,
/// octet-counted framing, RFC 6587), or the `http(s)://…` base URL of a witness server.
public enum AuditWitnessSpec: Sendable, Hashable, CustomStringConvertible {
    case file(String)
    case syslog(host: String, port: Int)
    case server(URL)

    /// Parses one entry of `audit.witnesses` or `--witness`.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("syslog://") {
            guard let url = URL(string: trimmed), let host = url.host, !host.isEmpty, let port = url.port, (1...65535).contains(port) else {
                throw AuditFileError(path: trimmed, reason: "is not syslog://HOST:PORT")
            }
            self = .syslog(host: host, port: port)
        } else if trimmed.hasPrefix("https://") || trimmed.hasPrefix("http://") {
            guard let url = URL(string: trimmed), url.host?.isEmpty == false else { throw AuditFileError(path: trimmed, reason: "is not a URL") }
            self = .server(url)
        } else if trimmed.hasPrefix("file:") {
            self = .file(String(trimmed.dropFirst(5)))
        } else if trimmed.hasPrefix("/") || trimmed.hasPrefix(".") {
            self = .file(trimmed)
        } else {
            throw AuditFileError(path: trimmed, reason: "is not a witness: give file:PATH, syslog://HOST:PORT or https://HOST[:PORT]")
        }
    }

    public var description: String {
        switch self {
        case .file(let path): return "file \(path)"
        case .syslog(let host, let port): return "syslog://\(host):\(port)"
        case .server(let url): return url.absoluteString
        }
    }
}

/// Signs the committed chain head and hands the checkpoint to the gateway's own checkpoint file
/// and to every witness: the one place a checkpoint is made (serve's timer, serve's start and
/// stop, CLI commands that wrote lines). Before signing it checks that the lines since its last
/// checkpoint still chain onto that checkpoint: a log changed under a running gateway is never
/// signed. Witnesses are offered the checkpoint at once, each within ``witnessTimeout``; one that
/// is down gets the newest checkpoint when it is back (a newer checkpoint covers everything an
/// older one did).
public actor AuditCheckpointer {
    public let store: any AuditChainStore
    public let signer: AuditSigner
    public let local: AuditCheckpointFile
    public let witnesses: [any AuditWitness]
    /// The longest a witness may take to take one checkpoint (a slow or hostile one must not hold
    /// up the others, or the next round).
    public let witnessTimeout: Duration
    private var last: AuditCheckpoint?
    private var loaded = false
    private var unreadableFile: String?
    /// Per witness (by index): the newest checkpoint it has not taken yet.
    private var pending: [Int: AuditCheckpoint] = [:]

    public init(store: any AuditChainStore, signer: AuditSigner, local: AuditCheckpointFile, witnesses: [any AuditWitness],
                witnessTimeout: Duration = .seconds(10)) {
        self.store = store
        self.signer = signer
        self.local = local
        self.witnesses = witnesses
        self.witnessTimeout = witnessTimeout
    }

    /// What one round did.
    public struct Round: Sendable {
        /// The checkpoint signed this round (`nil`: the head had not moved, or the log changed).
        public var written: AuditCheckpoint?
        /// Witnesses that did not take it (name, error), to be logged by the caller.
        public var failures: [(witness: String, error: String)] = []
        /// The log no longer extends the last checkpoint: nothing was signed (a critical event).
        public var tampered: AuditChain.Break?
    }

    /// The line of the last checkpoint made (from the checkpoint file after a restart).
    public func lastSequence() -> Int {
        loadLast()
        return last?.sequence ?? 0
    }

    /// The checkpoint file's last entry, as this signer knows it.
    public func lastCheckpoint() -> AuditCheckpoint? {
        loadLast()
        return last
    }

    /// Signs the head when it moved since the last checkpoint (or `force`), appends it to the
    /// checkpoint file and offers it, or what is still pending, to every witness. A checkpoint
    /// file that cannot be written is a failure of this round, never a reason to keep it from the
    /// witnesses; throws only when the head cannot be read or signed.
    public func checkpoint(time: Date = Date(), force: Bool = false) async throws -> Round {
        loadLast()
        var round = Round()
        if let unreadableFile {
            round.failures.append((local.name, "unreadable (\(unreadableFile)): the next checkpoint names no previous one"))
            self.unreadableFile = nil
        }
        let head = try await store.auditHead()
        if head.sequence > 0, force || head.sequence != last?.sequence || head.hash != last?.hash {
            if let problem = try await changedSinceLast(head: head) {
                round.tampered = problem
                return round
            }
            let checkpoint = try AuditCheckpoint.sign(sequence: head.sequence, hash: head.hash, time: time.formatted(.iso8601),
                                                      previous: last.map { .init(sequence: $0.sequence, hash: $0.hash) }, key: signer.key())
            do { try local.append(checkpoint) } catch { round.failures.append((local.name, String(describing: error))) }
            last = checkpoint
            round.written = checkpoint
            for index in witnesses.indices { pending[index] = checkpoint }
        }
        let offers = pending
        let timeout = witnessTimeout
        let witnesses = witnesses
        let outcomes = await withTaskGroup(of: (Int, String?).self) { group in
            for (index, checkpoint) in offers {
                group.addTask {
                    do {
                        try await AuditDeadline.run(within: timeout) { try await witnesses[index].record(checkpoint) }
                        return (index, nil)
                    } catch {
                        return (index, String(describing: error))
                    }
                }
            }
            return await group.reduce(into: [(Int, String?)]()) { $0.append($1) }
        }
        for (index, error) in outcomes.sorted(by: { $0.0 < $1.0 }) {
            if let error {
                round.failures.append((witnesses[index].name, error))
            } else if pending[index] == offers[index] {
                pending[index] = nil
            }
        }
        return round
    }

    /// `nil` when the lines after the last checkpoint chain onto it (the line it signed still has
    /// its hash); else where they do not.
    private func changedSinceLast(head: (sequence: Int, hash: String)) async throws -> AuditChain.Break? {
        guard let last, last.sequence > 0 else { return nil }
        guard head.sequence >= last.sequence else {
            return AuditChain.Break(sequence: head.sequence + 1, reason: "the log ends at line \(head.sequence), before the last checkpoint (line \(last.sequence))",
                                    cause: .shorterThanWitnessed)
        }
        guard let signed = try await store.auditRows(from: last.sequence, limit: 1).first, signed.sequence == last.sequence else {
            return nil   // purged since (the boundary is checked by verification)
        }
        guard signed.hash == last.hash else {
            return AuditChain.Break(sequence: last.sequence, reason: "differs from the checkpoint signed \(last.time)", cause: .checkpointMismatch)
        }
        var verifier = AuditChain.Verifier(after: (last.sequence, last.hash))
        do {
            try await store.walk(from: last.sequence + 1, through: head.sequence, verifier: &verifier) { _, _ in }
        } catch let problem as AuditChain.Break {
            return problem
        }
        return nil
    }

    /// The checkpoint file's last entry; an unreadable file (damaged, or by someone who wants the
    /// checkpoints to stop) only loses the `previous` link, never a checkpoint — and is reported.
    private func loadLast() {
        guard !loaded else { return }
        do { last = try local.last() } catch { unreadableFile = String(describing: error) }
        loaded = true
    }
}

/// Runs an operation with a deadline (a witness that answers slowly, byte by byte, must not hold
/// a round up).
public enum AuditDeadline {
    public struct Exceeded: Error, CustomStringConvertible {
        public var description: String { "no answer within the deadline" }
    }

    public static func run<T: Sendable>(within limit: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(for: limit)
                throw Exceeded()
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw Exceeded() }
            return first
        }
    }
}
