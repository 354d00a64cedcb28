import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 (4 bytes) or IPv6 (16 bytes) address, read the way the system resolver reads a
/// numeric host, so that the address a webhook URL names is the one it would connect to.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// Network byte order: 4 bytes for IPv4, 16 for IPv6.
    public let bytes: [UInt8]

    public var isIPv4: Bool { bytes.count == 4 }

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Parses a numeric host, or `nil` for a name. IPv4 also in every form `inet_aton` (and so
    /// `getaddrinfo`) takes: `2130706433`, `0x7f000001`, `0177.0.0.1`, `127.1`; IPv6 per RFC 4291
    /// with or without brackets, a zone id (`%eth0`, `%25eth0`) ignored. One trailing dot is ignored.
    public init?(_ text: String) {
        var host = text
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.hasSuffix(".") { host.removeLast() }
        if host.contains(":") {
            if let zone = host.firstIndex(of: "%") { host = String(host[..<zone]) }
            var address = in6_addr()
            guard inet_pton(AF_INET6, host, &address) == 1 else { return nil }
            self.bytes = withUnsafeBytes(of: &address) { Array($0) }
        } else {
            // inet_aton reads what getaddrinfo reads; the character check keeps names (and
            // anything with spaces, which inet_aton would cut off) out.
            guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == "." || $0 == "x" || $0 == "X" }) else { return nil }
            var address = in_addr()
            guard inet_aton(host, &address) == 1 else { return nil }
            self.bytes = withUnsafeBytes(of: &address) { Array($0) }
        }
    }

    /// The standard text form (`inet_ntop`): `10.0.0.1`, `::ffff:10.0.0.1`, `2001:db8::1`.
    public var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = isIPv4 ? AF_INET : AF_INET6
        let written = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
        return written == nil ? "?" : String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The IPv4 address an IPv6 one carries, and the form that carries it: IPv4-mapped
    /// (`::ffff:0:0/96`), IPv4-compatible (`::/96`, deprecated), NAT64 (`64:ff9b::/96`), 6to4
    /// (`2002::/16`, the address in bits 16–47).
    public var embeddedIPv4: (address: IPAddress, form: EmbeddingForm)? {
        guard !isIPv4 else { return nil }
        let last = IPAddress(bytes: Array(bytes[12..<16]))
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff { return (last, .mapped) }
        if bytes[0..<12].allSatisfy({ $0 == 0 }), bytes[12..<16].contains(where: { $0 != 0 }), last != IPAddress(bytes: [0, 0, 0, 1]) {
            return (last, .compatible)
        }
        if bytes[0..<12] == [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0] { return (last, .nat64) }
        if bytes[0] == 0x20, bytes[1] == 0x02 { return (IPAddress(bytes: Array(bytes[2..<6])), .sixToFour) }
        return nil
    }

    /// How an IPv6 address carries an IPv4 one.
    public enum EmbeddingForm: String, Sendable {
        case mapped = "IPv4-mapped", compatible = "IPv4-compatible", nat64 = "NAT64", sixToFour = "6to4"
    }
}

/// An address range in CIDR notation (`10.0.0.0/8`, `fc00::/7`); a bare address is its own /32 or /128.
public struct NetworkRange: Sendable, Hashable, CustomStringConvertible {
    public let address: IPAddress
    public let prefixLength: Int

    /// Parses `address/prefix` or a bare address; `nil` when it is neither. Throws when the
    /// prefix is out of range or bits past it are set (`10.1.2.3/8`: say `10.0.0.0/8`).
    public init?(_ text: String) throws(Invalid) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = IPAddress(String(parts[0])) else { return nil }
        let maximum = address.bytes.count * 8
        guard let length = parts.count == 2 ? Int(parts[1]) : maximum, (0...maximum).contains(length) else {
            throw Invalid(description: "'\(text)': the prefix length must be 0…\(maximum)")
        }
        self.address = address
        self.prefixLength = length
        let masked = NetworkRange(uncheckedAddress: address, prefixLength: length).network
        guard masked == address else {
            throw Invalid(description: "'\(text)' has bits set past the /\(length) prefix (did you mean \(masked)/\(length)?)")
        }
    }

    init(uncheckedAddress address: IPAddress, prefixLength: Int) {
        self.address = address
        self.prefixLength = prefixLength
    }

    /// A range of a fixed table: `"10.0.0.0/8"` (written by us, always valid).
    init(fixed literal: StaticString) {
        let parts = "\(literal)".split(separator: "/")
        self.init(uncheckedAddress: IPAddress(String(parts[0]))!, prefixLength: Int(parts[1])!)
    }

    /// `address` with every bit past the prefix cleared.
    var network: IPAddress {
        IPAddress(bytes: address.bytes.enumerated().map { index, byte in
            let kept = min(max(prefixLength - index * 8, 0), 8)
            return kept == 8 ? byte : byte & ~(UInt8(0xff) >> kept)
        })
    }

    /// Whether `candidate` (of the same family) lies in the range.
    public func contains(_ candidate: IPAddress) -> Bool {
        candidate.bytes.count == address.bytes.count
            && NetworkRange(uncheckedAddress: candidate, prefixLength: prefixLength).network == address
    }

    public var description: String { "\(address)/\(prefixLength)" }

    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var description: String
    }
}
