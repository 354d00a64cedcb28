import Foundation
import Hummingbird
import HummingbirdAuth
import Mustache
import PerigateCore
import PerigateServer

/// The operator console at `/console`: server-rendered HTML (Mustache templates, Dutch, no
/// JavaScript) over the same store and core functions as the CLI and the operator API. Operators
/// log in with their login name and console password (bcrypt); the session lives in the store
/// (cookie `perigate_console`: HttpOnly, SameSite=Strict, path `/console`, Secure under TLS), ends
/// after 30 minutes idle or 12 hours, and every form carries a CSRF token. Every page view,
/// action, login and refused attempt is an audit line.
public struct OperatorConsole: Sendable {
    public let store: any GatewayStore
    /// The clock of every time the console writes or compares (audit lines, sessions, lock-outs).
    public let now: @Sendable () -> Date
    /// The audit chain check behind "Nu controleren" (serve passes one with its checkpoints).
    public var verifyAudit: @Sendable () async throws -> AuditVerification
    /// The kinds the message search offers (``SchemaRegistry/kinds``).
    public let kinds: [String]
    let sessions: SessionStorage<ConsoleSession>
    /// The session cookie's name and attributes, for the login and every renewal.
    let cookie: SessionCookieParameters
    let templates: MustacheLibrary
    let throttle = LoginThrottle()
    /// Refused logins, aggregated for the audit log: the gateway's own (``GatewayServer/refusals``),
    /// so its flush writes the counts.
    let refusals: RefusalAggregator
    let lastVerification = VerificationBox()

    /// Seconds a session lasts without a page view.
    static let idleLifetime: Int64 = 30 * 60
    /// Seconds a session lasts at most.
    static let maximumLifetime: TimeInterval = 12 * 3600

    /// - Parameter secureCookie: mark the session cookie `Secure` (serve sets it under TLS).
    /// - Parameter now: the injected clock (serve passes the gateway's).
    /// - Parameter refusals: the gateway's refusal aggregator (its flush service writes the counts).
    /// - Parameter kinds: the kinds the gateway knows (``SchemaRegistry/kinds`` of its validator), for the search.
    public init(store: any GatewayStore, secureCookie: Bool, refusals: RefusalAggregator, kinds: [String],
                now: @escaping @Sendable () -> Date = { Date() }) throws {
        self.store = store
        self.kinds = kinds
        self.refusals = refusals
        self.now = now
        verifyAudit = { try await store.verifyAuditChain() }
        cookie = SessionCookieParameters(name: "perigate_console", path: "/console", secure: secureCookie, sameSite: .strict)
        sessions = SessionStorage(StoreSessionDriver(store: store, now: now),
                                  configuration: SessionStorageConfiguration(sessionCookieParameters: cookie, keyPrefix: "console."))
        templates = try ConsoleTemplates.library()
    }

    /// Adds `/console/…` to the gateway's router (behind its middleware: limits, metrics, request ids).
    public func addRoutes(to router: Router<GatewayContext>) {
        router.get("console/login") { request, _ in loginPage(request) }
        router.post("console/login") { request, context in try await login(request, context) }
        router.post("console/logout") { request, _ in try await logout(request) }
        router.get("console") { request, _ in try await page(request) { try await dashboard($0) } }
        router.get("console/flow") { request, _ in try await page(request) { try await flow($0) } }
        router.get("console/messages") { request, _ in try await page(request) { try await messages(request, $0) } }
        router.post("console/messages/client") { request, _ in
            try await action(request, roles: [.logAdministrator], form: ClientSearchForm.self) { try await clientMessages($0, $1) }
        }
        router.get("console/messages/:id") { request, context in
            try await page(request) { try await messageDetail(context.parameters.get("id") ?? "", $0) }
        }
        router.get("console/deliveries") { request, _ in try await page(request) { try await deliveries(request, $0) } }
        router.post("console/deliveries/:id/retry") { request, context in
            try await action(request, roles: [.operator], form: ActionForm.self) { caller, _ in
                try await retry(context.parameters.get("id") ?? "", caller)
            }
        }
        router.post("console/subscriptions/:id/replay") { request, context in
            try await action(request, roles: [.operator], form: ReplayForm.self) { try await replay(context.parameters.get("id") ?? "", $0, $1) }
        }
        for (verb, enabled) in [("enable", true), ("disable", false)] {
            router.post("console/subscriptions/:id/\(verb)") { request, context in
                try await action(request, roles: [.operator], form: ActionForm.self) { caller, _ in
                    try await setSubscription(context.parameters.get("id") ?? "", enabled: enabled, caller)
                }
            }
            router.post("console/partners/:id/\(verb)") { request, context in
                try await action(request, roles: [.operator], form: ActionForm.self) { caller, _ in
                    try await setPartner(context.parameters.get("id") ?? "", enabled: enabled, caller)
                }
            }
        }
        router.get("console/partners") { request, _ in try await page(request) { try await partners(request, $0) } }
        router.get("console/audit") { request, _ in try await page(request) { try await audit($0) } }
        router.post("console/audit/verify") { request, _ in
            try await action(request, form: ActionForm.self) { caller, _ in try await verify(caller) }
        }
        router.post("console/audit/export") { request, _ in
            try await action(request, roles: [.logAdministrator], form: ExportForm.self) { try await export($0, $1) }
        }
    }
}

/// The result of the last chain check on this node, for the dashboard and the audit page.
actor VerificationBox {
    struct Result: Sendable {
        var time: String
        var by: String
        var verification: AuditVerification
    }

    private(set) var last: Result?

    func set(_ result: Result) {
        last = result
    }
}
