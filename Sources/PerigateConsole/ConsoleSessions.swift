import Foundation
import Hummingbird
import HummingbirdAuth
import PerigateCore

/// What a console session holds: who, the form token, when it began.
struct ConsoleSession: Codable, Sendable {
    var operatorId: String
    /// Every console form posts this back (a cross-site form cannot know it).
    var csrf: String
    var startedAt: Date

    static func new(operatorId: String, at time: Date) -> ConsoleSession {
        ConsoleSession(operatorId: operatorId, csrf: PartnerToken.generate(prefix: "csrf_"), startedAt: time)
    }
}

/// hummingbird-auth's session storage over the gateway store, so every node behind a load
/// balancer knows every session and a logout ends it everywhere. Only the SHA-256 of a session
/// key is stored; values are JSON.
struct StoreSessionDriver: PersistDriver {
    let store: any SessionStore
    let now: @Sendable () -> Date

    func create<Object: Codable & Sendable>(key: String, value: Object, expires: Duration?) async throws {
        try await set(key: key, value: value, expires: expires)
    }

    func set<Object: Codable & Sendable>(key: String, value: Object, expires: Duration?) async throws {
        let lifetime = TimeInterval((expires ?? .seconds(OperatorConsole.idleLifetime)).components.seconds)
        try await store.putSession(keyHash: Self.hash(key), value: try StorageJSON.text(value),
                                   expiresAt: now().addingTimeInterval(lifetime).formatted(.iso8601))
    }

    func get<Object: Codable & Sendable>(key: String, as: Object.Type) async throws -> Object? {
        guard let text = try await store.session(keyHash: Self.hash(key), now: now().formatted(.iso8601)) else { return nil }
        return try? JSONDecoder().decode(Object.self, from: Data(text.utf8))
    }

    func remove(key: String) async throws {
        try await store.removeSession(keyHash: Self.hash(key))
    }

    /// Stored like every other secret token: SHA-256, hex.
    static func hash(_ key: String) -> String {
        PartnerToken.hash(key)
    }
}

/// Failed console logins on this node, counted per (login name, source address) and per source
/// address. Five failures of one name from one source within 15 minutes lock that name **from
/// that source**; twenty failures from one source (whatever the names: password spraying) lock the
/// source. A lock lasts until its oldest failure is 15 minutes old. A lock-out from one source
/// never locks the operator out from another, and a locked attempt costs no password check.
actor LoginThrottle {
    /// Why a login is not even checked.
    enum Lock: Equatable {
        /// This name failed too often from this source.
        case name
        /// This source failed too often, across names.
        case source
    }

    private struct Key: Hashable {
        var login: String?
        var source: String
    }

    private var failures: [Key: [Date]] = [:]
    static let limitPerName = 5
    static let limitPerSource = 20
    static let window: TimeInterval = 15 * 60
    /// Keys held at most; beyond it stale ones are forgotten (names and sources are the caller's choice).
    static let maximumKeys = 10_000

    func lock(_ login: String, source: String, now: Date = Date()) -> Lock? {
        if recent(Key(login: nil, source: source), now: now).count >= Self.limitPerSource { return .source }
        if recent(Key(login: login, source: source), now: now).count >= Self.limitPerName { return .name }
        return nil
    }

    func failed(_ login: String, source: String, now: Date = Date()) {
        for key in [Key(login: login, source: source), Key(login: nil, source: source)] {
            failures[key] = recent(key, now: now) + [now]
        }
        if failures.count > Self.maximumKeys {
            failures = failures.filter { !recent($0.key, now: now).isEmpty }
        }
    }

    /// A successful login clears that name's failures from that source (not the source's count).
    func succeeded(_ login: String, source: String) {
        failures[Key(login: login, source: source)] = nil
    }

    /// An operator lifted the lock on `login` at `time` (``ConsoleUnlock``): its failures up to
    /// then no longer count, from any source. A source that sprayed names stays locked.
    func lift(_ login: String, upTo time: Date) {
        // The record holds whole seconds: failures within the second of the unlock go too.
        let end = time.addingTimeInterval(1)
        for key in failures.keys where key.login == login {
            failures[key] = failures[key]?.filter { $0 > end }
        }
    }

    private func recent(_ key: Key, now: Date) -> [Date] {
        (failures[key] ?? []).filter { now.timeIntervalSince($0) < Self.window }
    }
}

/// `perigate operator unlock ID`: a record "unlocked at T" in the store, which every node's
/// console honours for the length of a lock window (so it reaches all nodes, and lapses).
public enum ConsoleUnlock {
    static func key(_ login: String) -> String { "unlock:" + login }

    /// Records the unlock of `login` at `now`.
    public static func record(_ login: String, store: any SessionStore, now: Date) async throws {
        try await store.putSession(keyHash: key(login), value: now.formatted(.iso8601),
                                   expiresAt: now.addingTimeInterval(LoginThrottle.window).formatted(.iso8601))
    }

    /// When `login` was last unlocked (within the lock window), if it was.
    static func time(_ login: String, store: any SessionStore, now: Date) async throws -> Date? {
        try await store.session(keyHash: key(login), now: now.formatted(.iso8601)).flatMap { try? Date($0, strategy: .iso8601) }
    }
}
