import AsyncHTTPClient
import NIOCore
import PerigateCore
import Synchronization

/// The worker's HTTP clients, one per webhook host, each pinned to the address the policy
/// checked for that host (``WebhookTargetPolicy/check(url:resolve:)``): its `dnsOverride` maps
/// the host to that address, so the client never resolves the name itself (no DNS rebinding
/// between the check and the connection), while TLS still sends the host name as SNI and
/// verifies the certificate for it. When a host's address changes, a new client replaces the
/// old one; replaced clients are shut down at the start of the next round (rounds do not
/// overlap) and all clients by ``shutdown()``.
public final class WebhookClients: Sendable {
    let configuration: HTTPClient.Configuration
    /// Beyond this many hosts the oldest client is replaced (a bound on idle connections).
    static let maximumHosts = 256

    private struct State {
        var clients: [String: (address: IPAddress, client: HTTPClient)] = [:]
        var order: [String] = []
        var retired: [HTTPClient] = []
    }
    private let state = Mutex(State())

    /// `configuration`: the settings of every client (``DeliveryWorker/clientConfiguration(timeout:)``);
    /// its `dnsOverride` is set per host here.
    public init(configuration: HTTPClient.Configuration) {
        self.configuration = configuration
    }

    /// The client that connects to `target.address` for `target.host`.
    func client(for target: WebhookTarget) -> HTTPClient {
        state.withLock { state in
            if let existing = state.clients[target.host], existing.address == target.address { return existing.client }
            var settings = configuration
            settings.dnsOverride = [Self.connectionKey(target.host): target.address.description]
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
            if let replaced = state.clients.updateValue((target.address, client), forKey: target.host) {
                state.retired.append(replaced.client)
            } else {
                state.order.append(target.host)
            }
            if state.order.count > Self.maximumHosts, let oldest = state.clients.removeValue(forKey: state.order.removeFirst()) {
                state.retired.append(oldest.client)
            }
            return client
        }
    }

    /// The key the HTTP client looks the host up under: an IPv6 literal in brackets (as its
    /// connection target names it), anything else as written.
    static func connectionKey(_ host: String) -> String {
        guard let address = try? SocketAddress(ipAddress: host, port: 0), case .v6 = address else { return host }
        return "[\(host)]"
    }

    /// Shuts down the clients replaced since the last call (no attempt uses them any more).
    func shutDownRetired() async {
        let retired = state.withLock { state in
            defer { state.retired = [] }
            return state.retired
        }
        for client in retired { try? await client.shutdown() }
    }

    /// Shuts every client down (when the worker has stopped).
    public func shutdown() async throws {
        let all = state.withLock { state in
            defer { state = State() }
            return state.retired + state.clients.values.map(\.client)
        }
        for client in all { try await client.shutdown() }
    }
}
