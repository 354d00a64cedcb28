import Foundation
import PerigateCore
import PerigateXML
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// Wraps every route: concurrency limit, request timeout, problem+json for router errors, the
/// `Perigate-Request-Id` header, one process-log line and the HTTP metrics per request.
///
/// The log line names the route template (never the path, which may hold a BSN), the status and
/// the duration; it never carries message content.
struct GatewayMiddleware: RouterMiddleware {
    typealias Context = GatewayContext

    let metrics: GatewayMetrics
    let limits: GatewayServer.Configuration
    /// The partner API's requests in flight (`/v1/…`).
    let inFlight: InFlightCounter
    /// Every other limited request in flight (the console, pages anyone can reach): a budget of
    /// its own, so unauthenticated or stalled requests there never take the partner API's slots.
    let publicInFlight: InFlightCounter

    static let requestIdHeader = HTTPField.Name("Perigate-Request-Id")!
    /// Routes outside the concurrency limit and timeout: probes and scrapes must answer when busy.
    static let exempt: Set<String> = ["/health", "/ready", "/metrics"]

    func handle(_ request: Request, context: GatewayContext,
                next: (Request, GatewayContext) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let budget = budget(for: request.uri.path)
        var response: Response
        if let budget, !budget.counter.enter(limit: budget.limit) {
            metrics.refusedBusy()
            response = Problem(.serverBusy, detail: "the gateway is handling \(budget.limit) such requests; retry shortly").response
            response.headers[.retryAfter] = "1"
        } else {
            metrics.started()
            defer {
                metrics.finished()
                budget?.counter.leave()
            }
            response = try await answer(request, context, next, timeout: budget?.timeout)
        }
        response.headers[Self.requestIdHeader] = context.id
        let route = context.endpointPath ?? "unmatched"
        let duration = ContinuousClock.now - start
        let milliseconds: Double = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        metrics.request(route: route, method: request.method.rawValue, status: response.status.code, duration: duration)
        context.logger.log(level: response.status.code >= 500 ? .warning : .info, "request", metadata: [
            "method": .string(request.method.rawValue), "route": .string(route),
            "status": .stringConvertible(response.status.code),
            "ms": .stringConvertible((milliseconds * 10).rounded() / 10),
        ])
        return response
    }

    /// The concurrency budget and timeout of a path: the partner API's, the public one's, or none
    /// (probes and scrapes must answer when busy).
    func budget(for path: String) -> (counter: InFlightCounter, limit: Int, timeout: Duration)? {
        if Self.exempt.contains(path) { return nil }
        if path.hasPrefix("/v1/") || path.hasPrefix("/fhir/") { return (inFlight, limits.maximumConcurrentRequests, limits.requestTimeout) }
        return (publicInFlight, limits.maximumConcurrentPublicRequests, limits.publicRequestTimeout)
    }

    /// Runs the route; router errors and failures become problem+json, never a bare 500 page.
    private func answer(_ request: Request, _ context: GatewayContext,
                        _ next: (Request, GatewayContext) async throws -> Response, timeout: Duration?) async throws -> Response {
        do {
            guard let timeout else { return try await next(request, context) }
            return try await Self.withTimeout(timeout) { try await next(request, context) }
        } catch is RequestTimedOut {
            var response = Problem(.requestTimeout,
                                   detail: "the request took longer than \(timeout.map { "\($0)" } ?? "the limit"); "
                                       + "re-sending the same message is safe (idempotent)").response
            response.headers[.retryAfter] = "1"
            return response
        } catch let problem as Problem {
            return problem.response
        } catch let error as HTTPError {
            return Problem(routerError: error).response
        } catch {
            // The type only: error descriptions may quote input.
            context.logger.error("request failed", metadata: ["error": .string(String(describing: type(of: error)))])
            return Problem(.serverError,
                           detail: "the gateway could not complete the request; quote request id \(context.id)").response
        }
    }

    struct RequestTimedOut: Error {}

    /// Races `body` against a timer. `body` is non-escaping, but the task group finishes both
    /// children before returning, so it never outlives this call.
    static func withTimeout(_ timeout: Duration, _ body: () async throws -> Response) async throws -> Response {
        try await withoutActuallyEscaping(body) { escaping in
            nonisolated(unsafe) let run = escaping
            return try await withThrowingTaskGroup(of: Response?.self) { group in
                group.addTask { try await run() }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let response = first else { throw RequestTimedOut() }
                return response
            }
        }
    }
}

/// Counts requests in flight against the concurrency limit.
final class InFlightCounter: Sendable {
    private let count = Atomic<Int>(0)

    /// Takes a slot; `false` (and no slot) when `limit` are taken.
    func enter(limit: Int) -> Bool {
        if count.add(1, ordering: .relaxed).newValue <= limit { return true }
        count.subtract(1, ordering: .relaxed)
        return false
    }

    func leave() {
        count.subtract(1, ordering: .relaxed)
    }
}
