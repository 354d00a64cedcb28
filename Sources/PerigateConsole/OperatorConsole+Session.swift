import Foundation
import Hummingbird
import HummingbirdAuth
import HTTPTypes
import PerigateCore
import PerigateServer

/// Login, logout and the wrapper every console page goes through (session, role, CSRF, audit).
extension OperatorConsole {
    /// The signed-in operator of one request.
    struct Caller: Sendable {
        var account: Operator
        var session: ConsoleSession
        /// When the request came in (the console's clock): the time of its audit lines.
        var time: Date

        var actor: String { "console:\(account.id)" }

        /// An audit line by this operator (`client`: the BSN when the action concerns one client).
        func line(_ event: String, _ action: String, _ object: String, outcome: String = "success", detail: String? = nil,
                  eventType: String = "normal") -> AuditEntry {
            AuditEntry(time: time.formatted(.iso8601), actor: actor, event: event, action: action, eventType: eventType, object: object,
                       outcome: outcome, checks: outcome == "success" ? AuditChecks.authorized : AuditChecks.unauthorized, detail: detail,
                       user: AuditUser(id: account.id, name: account.name, role: account.role.rawValue, responsible: nil, accessPoint: nil))
        }
    }

    struct LoginForm: Decodable {
        var gebruiker: String?
        var wachtwoord: String?
    }

    /// Forms that only carry the CSRF token.
    struct ActionForm: Decodable, CSRFCarrying {
        var csrf: String?
    }

    func loginPage(_ request: Request, problem: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        let reason = request.uri.queryParameters.get("reden").map { String($0) }
        return html(render("login", LoginPage(problem: problem, expired: reason == "verlopen", loggedOut: reason == "uitgelogd")), status: status)
    }

    /// Template values are stored properties: Mustache reads them by reflection (no computed ones).
    struct LoginPage {
        var problem: String?
        var expired: Bool
        var loggedOut: Bool
    }

    /// Why a console login was refused: the code in its aggregated audit line.
    enum LoginRefusal: String {
        case unknownLogin = "console.unknown-login"
        /// Wrong password, no password set, or a revoked account (answered alike).
        case wrongPassword = "console.wrong-password"
        case lockedName = "console.locked-name"
        case lockedSource = "console.locked-source"
    }

    /// Audits a refused login through the gateway's ``RefusalAggregator``: the first of a minute
    /// at once, the rest of that minute (same source, reason and name) as one line with its count.
    func refuse(_ login: String?, source: String, reason: LoginRefusal) async throws {
        let refusal = RefusalAggregator.Refusal(source: source, code: reason.rawValue, credential: "password",
                                                actor: "console:\(login ?? "unknown")", event: "console.login")
        let lines = await refusals.record(refusal, at: now())
        if !lines.isEmpty { try await store.appendAudit(lines) }
    }

    /// `POST /console/login`: name and password; a new session on success. Failures are answered
    /// alike (unknown name, wrong password, no password set, revoked) and audited aggregated per
    /// source, reason and name per minute (``RefusalAggregator``), so a flood cannot fill the log.
    /// A locked (name, source) or source costs no password check (``LoginThrottle``).
    func login(_ request: Request, _ context: GatewayContext) async throws -> Response {
        // An unreadable form (too large, cut off) costs no password check.
        guard let form = try await decodeForm(LoginForm.self, request) else {
            return loginPage(request, problem: "Het formulier kon niet worden gelezen.", status: .badRequest)
        }
        let login = form.gebruiker?.trimmingCharacters(in: .whitespaces) ?? ""
        let password = form.wachtwoord ?? ""
        let source = context.source
        let known = ConsolePassword.isValidLogin(login)
        if known, await throttle.lock(login, source: source, now: now()) == .name,
           let unlocked = try await ConsoleUnlock.time(login, store: store, now: now()) {
            await throttle.lift(login, upTo: unlocked)
        }
        if let lock = await throttle.lock(login, source: source, now: now()) {
            try await refuse(known && lock == .name ? login : nil, source: source, reason: lock == .name ? .lockedName : .lockedSource)
            var response = loginPage(request, problem: "Te veel mislukte pogingen. Probeer het over 15 minuten opnieuw.",
                                     status: lock == .name ? .unauthorized : .tooManyRequests)
            if lock == .source { response.headers[HTTPField.Name.retryAfter] = "\(Int(LoginThrottle.window))" }
            return response
        }
        let account = known ? try await store.operatorAccount(id: login) : nil
        guard let matched = await ConsolePassword.verify(password, hash: account?.passwordHash) else {
            return loginPage(request, problem: "Er worden nu te veel aanmeldingen tegelijk gecontroleerd. Probeer het zo opnieuw.",
                             status: .tooManyRequests)
        }
        guard let account, matched, !account.account.revoked else {
            await throttle.failed(login, source: source, now: now())
            // Names nobody has are one line per source and minute, whatever was typed (spraying).
            try await refuse(account == nil ? nil : login, source: source, reason: account == nil ? .unknownLogin : .wrongPassword)
            return loginPage(request, problem: "Onjuiste gebruikersnaam of wachtwoord.", status: .unauthorized)
        }
        await throttle.succeeded(login, source: source)
        let session = ConsoleSession.new(operatorId: account.account.id, at: now())
        let cookie = try await sessions.save(session: session, expiresIn: .seconds(Self.idleLifetime))
        try await store.appendAudit([Caller(account: account.account, session: session, time: now()).line("console.login", "E", "console")])
        var response = redirect("/console")
        response.setCookie(cookie)
        return response
    }

    /// `POST /console/logout`: ends the session everywhere.
    func logout(_ request: Request) async throws -> Response {
        if let session = try? await sessions.load(request: request), let account = try await store.operatorAccount(id: session.operatorId) {
            try await store.appendAudit([Caller(account: account.account, session: session, time: now()).line("console.logout", "E", "console")])
        }
        var response = redirect("/console/login?reden=uitgelogd")
        if let expired = try? await sessions.delete(request: request) { response.setCookie(expired) }
        return response
    }

    /// A page for a signed-in operator with one of `roles` (refusals audited).
    func page(_ request: Request, roles: Set<OperatorRole> = Set(OperatorRole.allCases),
              _ body: (Caller) async throws -> Response) async throws -> Response {
        guard let session = try? await sessions.load(request: request),
              now().timeIntervalSince(session.startedAt) < Self.maximumLifetime,
              let account = try await store.operatorAccount(id: session.operatorId), !account.account.revoked else {
            return redirect("/console/login?reden=verlopen")
        }
        let caller = Caller(account: account.account, session: session, time: now())
        guard roles.contains(account.account.role) else {
            try await store.appendAudit([caller.line("console.view", "R", "console:\(request.uri.path)", outcome: "refused",
                                                     detail: "role \(account.account.role.rawValue)")])
            return notice(caller, "Geen toegang", "Deze pagina of handeling is er niet voor de rol \(account.account.role.dutchName).",
                          status: .forbidden)
        }
        // Every page view extends the session: in the store and in the browser's cookie.
        try await sessions.update(session: session, expiresIn: .seconds(Self.idleLifetime), request: request)
        var response = try await body(caller)
        if let id = sessions.getId(request: request) {
            response.setCookie(Cookie(name: cookie.name, value: id, expires: now().addingTimeInterval(TimeInterval(Self.idleLifetime)),
                                      path: cookie.path, secure: cookie.secure, sameSite: cookie.sameSite ?? .strict))
        }
        return response
    }

    /// A form post by a signed-in operator with one of `roles`; the form must carry the
    /// session's CSRF token (a refusal is audited).
    func action<Form: Decodable & CSRFCarrying>(_ request: Request, roles: Set<OperatorRole> = Set(OperatorRole.allCases), form: Form.Type,
                                                _ body: (Caller, Form) async throws -> Response) async throws -> Response {
        try await page(request, roles: roles) { caller in
            guard let posted = try await decodeForm(Form.self, request), posted.csrf == caller.session.csrf else {
                try await store.appendAudit([caller.line("console.action", "E", "console:\(request.uri.path)", outcome: "refused",
                                                         detail: "missing or wrong form token")])
                return notice(caller, "Formulier verlopen", "Het formulier is verlopen of komt niet uit deze console. Laad de pagina opnieuw.",
                              status: .forbidden)
            }
            return try await body(caller, posted)
        }
    }

    /// A page with one message (refusals, results of actions).
    func notice(_ caller: Caller, _ title: String, _ text: String, status: HTTPResponse.Status = .ok) -> Response {
        html(render("notice", Shell(caller: caller, title: title, section: "", page: Notice(text: text))), status: status)
    }

    func decodeForm<Form: Decodable>(_ type: Form.Type, _ request: Request) async throws -> Form? {
        // Every console form (the login form too) is well under 4 KB: a larger body is refused unread.
        guard let buffer = try? await request.body.collect(upTo: 4 * 1024) else { return nil }
        return try? URLEncodedFormDecoder().decode(Form.self, from: String(buffer: buffer))
    }

    func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [
            .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
            .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'",
            HTTPField.Name("X-Content-Type-Options")!: "nosniff", HTTPField.Name("Referrer-Policy")!: "no-referrer",
        ], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    func render(_ template: String, _ context: Any) -> String {
        templates.render(context, withTemplate: template) ?? "template \(template) missing"
    }
}

/// A form that posts the session's CSRF token back.
protocol CSRFCarrying: Sendable {
    var csrf: String? { get }
}
