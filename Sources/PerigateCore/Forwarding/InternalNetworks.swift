/// The address ranges that are not the public internet, and why (IANA's special-purpose address
/// registries, RFC 6890 and successors). A webhook may go to none of them unless the operator
/// opens it (`delivery.allowedNetworks`); docs/security.md lists the same table.
public enum InternalNetworks {
    /// First match wins, so narrower ranges come before the ranges that hold them.
    public static let table: [(range: NetworkRange, reason: String)] = [
        (NetworkRange(fixed: "0.0.0.0/32"), "unspecified"),
        (NetworkRange(fixed: "0.0.0.0/8"), "this network"),
        (NetworkRange(fixed: "10.0.0.0/8"), "private network"),
        (NetworkRange(fixed: "100.64.0.0/10"), "shared address space, carrier-grade NAT"),
        (NetworkRange(fixed: "127.0.0.0/8"), "loopback"),
        (NetworkRange(fixed: "169.254.0.0/16"), "link-local, cloud metadata"),
        (NetworkRange(fixed: "172.16.0.0/12"), "private network"),
        (NetworkRange(fixed: "192.0.0.0/24"), "IETF protocol assignments"),
        (NetworkRange(fixed: "192.0.2.0/24"), "documentation"),
        (NetworkRange(fixed: "192.88.99.0/24"), "6to4 relay anycast"),
        (NetworkRange(fixed: "192.168.0.0/16"), "private network"),
        (NetworkRange(fixed: "198.18.0.0/15"), "benchmarking"),
        (NetworkRange(fixed: "198.51.100.0/24"), "documentation"),
        (NetworkRange(fixed: "203.0.113.0/24"), "documentation"),
        (NetworkRange(fixed: "224.0.0.0/4"), "multicast"),
        (NetworkRange(fixed: "255.255.255.255/32"), "broadcast"),
        (NetworkRange(fixed: "240.0.0.0/4"), "reserved"),
        (NetworkRange(fixed: "::/128"), "unspecified"),
        (NetworkRange(fixed: "::1/128"), "loopback"),
        (NetworkRange(fixed: "64:ff9b:1::/48"), "local-use NAT64"),
        (NetworkRange(fixed: "100::/64"), "discard-only"),
        (NetworkRange(fixed: "2001::/23"), "IETF protocol assignments, Teredo"),
        (NetworkRange(fixed: "2001:db8::/32"), "documentation"),
        (NetworkRange(fixed: "3fff::/20"), "documentation"),
        (NetworkRange(fixed: "fc00::/7"), "unique local, private network"),
        (NetworkRange(fixed: "fe80::/10"), "link-local"),
        (NetworkRange(fixed: "fec0::/10"), "site-local"),
        (NetworkRange(fixed: "ff00::/8"), "multicast"),
    ]

    /// IPv6 outside it (and outside the forms that carry IPv4) is not public unicast.
    static let globalUnicast = NetworkRange(fixed: "2000::/3")

    /// Why `address` is not a public internet address, or `nil` when it is. An IPv6 address that
    /// carries an IPv4 one is judged by that one; IPv4-mapped and IPv4-compatible forms are
    /// never public (the plain IPv4 form says the same).
    public static func reason(_ address: IPAddress) -> String? {
        if let (inner, form) = address.embeddedIPv4 {
            let innerReason = reason(inner)
            switch form {
            case .mapped, .compatible: return "\(form.rawValue) \(inner)" + (innerReason.map { ", \($0)" } ?? "")
            case .nat64, .sixToFour: return innerReason.map { "\(form.rawValue) of \(inner), \($0)" }
            }
        }
        if let entry = table.first(where: { $0.range.contains(address) }) { return entry.reason }
        return address.isIPv4 || globalUnicast.contains(address) ? nil : "reserved"
    }
}
