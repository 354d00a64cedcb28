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

/// Failed logins per login name on this node: after 5 within 15 minutes, that name waits 15
/// minutes (on top of bcrypt's cost per attempt).
actor LoginThrottle {
    private var failures: [String: [Date]] = [:]
    static let limit = 5
    static let window: TimeInterval = 15 * 60

    func isLocked(_ login: String, now: Date = Date()) -> Bool {
        recent(login, now: now).count >= Self.limit
    }

    func failed(_ login: String, now: Date = Date()) {
        failures[login] = recent(login, now: now) + [now]
        // Names are the caller's choice: forget stale ones so the table stays small.
        if failures.count > Self.maximumNames {
            failures = failures.filter { !recent($0.key, now: now).isEmpty }
        }
    }

    static let maximumNames = 10_000

    func succeeded(_ login: String) {
        failures[login] = nil
    }

    private func recent(_ login: String, now: Date) -> [Date] {
        (failures[login] ?? []).filter { now.timeIntervalSince($0) < Self.window }
    }
}
