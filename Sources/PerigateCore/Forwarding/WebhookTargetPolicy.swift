import Foundation

/// Where webhooks may go — the one decision, made when a subscription is created or changed
/// (the API, `perigate subscription add`) and again before every delivery attempt, after name
/// resolution (`DeliveryWorker`). By default only `https` to public addresses
/// (``InternalNetworks``); the operator opens closed networks and tests with `allowedNetworks`
/// (`delivery.allowedNetworks`) and plain http with `allowInsecure` (`delivery.allowInsecure`).
public struct WebhookTargetPolicy: Sendable, Hashable {
    /// Ranges (CIDR or single addresses) that may be reached although internal.
    public var allowedNetworks: [NetworkRange] = []
    /// Host names (lower case, without trailing dot) whose addresses may be anything.
    public var allowedHosts: Set<String> = []
    /// Plain `http` URLs are allowed (closed networks, tests).
    public var allowInsecure = false

    /// Answers a host's addresses (numeric text, any order); throws when it cannot.
    public typealias Resolver = @Sendable (_ host: String) async throws -> [String]

    /// The default: https to public addresses only (plain http too with `allowInsecure`).
    public init(allowInsecure: Bool = false) {
        self.allowInsecure = allowInsecure
    }

    /// `entries`: CIDRs (`10.0.0.0/8`), addresses (`127.0.0.1`, `::1`) or host names
    /// (`hooks.intranet`) to open; throws for anything else, naming the entry.
    public init(allowInsecure: Bool = false, allowing entries: [String]) throws(NetworkRange.Invalid) {
        self.allowInsecure = allowInsecure
        for entry in entries.map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            if let range = try NetworkRange(entry) {
                allowedNetworks.append(range)
            } else if let host = Self.hostName(entry) {
                allowedHosts.insert(host)
            } else {
                throw NetworkRange.Invalid(description: "'\(entry)' is not a CIDR range, an address or a host name")
            }
        }
    }

    /// Why `address` may not receive webhooks, or `nil`: an address in `allowedNetworks` (or
    /// carrying an IPv4 address in it) may; else only a public one.
    public func refusal(for address: IPAddress) -> String? {
        let opened = { (candidate: IPAddress) in allowedNetworks.contains { $0.contains(candidate) } }
        if opened(address) || address.embeddedIPv4.map({ opened($0.address) }) == true { return nil }
        return InternalNetworks.reason(address)
    }

    /// The decision on one URL: its scheme, its host, and every address the host resolves to (a
    /// numeric host is not resolved). Refused when ANY address is not allowed — a name with one
    /// internal address is refused as a whole; else the target names the address to connect
    /// to (the first answered), so the connection goes where the check looked.
    public func check(url text: String, resolve: Resolver) async -> Result<WebhookTarget, WebhookTargetRefusal> {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let rawHost = url.host, !rawHost.isEmpty else {
            return .failure(.init(.malformed, "not an absolute URL"))
        }
        switch scheme {
        case "https": break
        case "http" where allowInsecure: break
        case "http": return .failure(.init(.insecure, "plain http is not allowed (use https)"))
        default: return .failure(.init(.scheme, "use https"))
        }
        let host = rawHost.hasPrefix("[") ? String(rawHost.dropFirst().dropLast()) : rawHost
        var addresses: [IPAddress]
        if let literal = IPAddress(host) {
            addresses = [literal]
        } else {
            guard let name = Self.hostName(host) else { return .failure(.init(.malformed, "not a host name")) }
            if !allowedHosts.contains(name), name == "localhost" || name.hasSuffix(".localhost") {
                return .failure(.init(.address, "address not allowed: \(name) (loopback)"))
            }
            guard let answers = try? await resolve(name), !answers.isEmpty else {
                return .failure(.init(.unresolvable, "cannot resolve \(name)"))
            }
            addresses = []
            for answer in answers {
                guard let address = IPAddress(answer) else { return .failure(.init(.unresolvable, "\(name) resolved to no address")) }
                addresses.append(address)
            }
            if allowedHosts.contains(name) { return .success(WebhookTarget(host: host, address: addresses[0])) }
        }
        for address in addresses {
            if let reason = refusal(for: address) {
                let via = IPAddress(host) == nil ? ", resolved from \(host.lowercased())" : ""
                return .failure(.init(.address, "address not allowed: \(address) (\(reason))\(via)"))
            }
        }
        return .success(WebhookTarget(host: host, address: addresses[0]))
    }

    /// `text` as a DNS name (lower case, one trailing dot dropped), or `nil` when it is not one.
    static func hostName(_ text: String) -> String? {
        var name = text.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard !name.isEmpty, name.count <= 253, labels.allSatisfy({ label in
            !label.isEmpty && label.count <= 63 && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        }) else { return nil }
        return name
    }
}

/// A URL that passed ``WebhookTargetPolicy/check(url:resolve:)``: its host as written and the
/// checked address, the only one a delivery may connect to.
public struct WebhookTarget: Sendable, Hashable {
    /// The URL's host (without brackets), as the HTTP client reads it; TLS verifies the
    /// certificate for it.
    public var host: String
    public var address: IPAddress
}

/// Why a URL may not receive webhooks: a code, and a text for the partner or operator (no
/// patient data: URLs, host names and addresses only).
public struct WebhookTargetRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// Not an absolute URL with a host.
        case malformed
        /// A scheme other than https (or http where allowed).
        case scheme
        /// Plain http without `delivery.allowInsecure`.
        case insecure
        /// An internal address (or a name for one) not opened by `delivery.allowedNetworks`.
        case address
        /// The host name does not resolve.
        case unresolvable
    }

    public var code: Code
    public var description: String

    init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
}
