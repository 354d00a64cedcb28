import Foundation
import PerigateCore
import Testing

/// Where webhooks may go (`WebhookTargetPolicy`): the one decision of the API, the CLI and the
/// delivery worker. Pure: no test here opens a connection or asks a real resolver.
@Suite("Webhook targets: no internal addresses")
struct WebhookTargetPolicyTests {
    struct NoResolution: Error {}
    /// Literal hosts must never be resolved; a name reaching this fails the check.
    static let noResolver: WebhookTargetPolicy.Resolver = { _ in throw NoResolution() }

    static func verdict(_ url: String, _ policy: WebhookTargetPolicy = WebhookTargetPolicy(),
                        resolve: @escaping WebhookTargetPolicy.Resolver = noResolver) async -> String {
        switch await policy.check(url: url, resolve: resolve) {
        case .success(let target): return "allowed \(target.address)"
        case .failure(let refusal): return "\(refusal.code.rawValue): \(refusal)"
        }
    }

    @Test("internal addresses in every encoding are refused, with the address as it will be reached and why", arguments: [
        ("https://169.254.169.254/latest/meta-data/", "address: address not allowed: 169.254.169.254 (link-local, cloud metadata)"),
        ("https://10.0.0.1/", "address: address not allowed: 10.0.0.1 (private network)"),
        ("https://172.16.5.4/", "address: address not allowed: 172.16.5.4 (private network)"),
        ("https://172.31.255.255/", "address: address not allowed: 172.31.255.255 (private network)"),
        ("https://192.168.1.1/", "address: address not allowed: 192.168.1.1 (private network)"),
        ("https://127.0.0.1:8080/metrics", "address: address not allowed: 127.0.0.1 (loopback)"),
        ("https://127.255.0.9/", "address: address not allowed: 127.255.0.9 (loopback)"),
        ("https://2130706433/", "address: address not allowed: 127.0.0.1 (loopback)"),
        ("https://0x7f000001/", "address: address not allowed: 127.0.0.1 (loopback)"),
        ("https://0X7F.0.0.1/", "address: address not allowed: 127.0.0.1 (loopback)"),
        ("https://0177.0.0.1/", "address: address not allowed: 127.0.0.1 (loopback)"),
        ("https://127.1/", "address: address not allowed: 127.0.0.1 (loopback)"),
        ("https://127.0.0.1./", "address: address not allowed: 127.0.0.1 (loopback)"),
        ("https://012.0.0.1/", "address: address not allowed: 10.0.0.1 (private network)"),
        ("https://0/", "address: address not allowed: 0.0.0.0 (unspecified)"),
        ("https://0.0.0.0/", "address: address not allowed: 0.0.0.0 (unspecified)"),
        ("https://0.1.2.3/", "address: address not allowed: 0.1.2.3 (this network)"),
        ("https://100.64.0.1/", "address: address not allowed: 100.64.0.1 (shared address space, carrier-grade NAT)"),
        ("https://192.0.0.8/", "address: address not allowed: 192.0.0.8 (IETF protocol assignments)"),
        ("https://192.0.2.10/", "address: address not allowed: 192.0.2.10 (documentation)"),
        ("https://198.18.0.1/", "address: address not allowed: 198.18.0.1 (benchmarking)"),
        ("https://224.0.0.251/", "address: address not allowed: 224.0.0.251 (multicast)"),
        ("https://240.0.0.1/", "address: address not allowed: 240.0.0.1 (reserved)"),
        ("https://255.255.255.255/", "address: address not allowed: 255.255.255.255 (broadcast)"),
        ("https://[::1]/", "address: address not allowed: ::1 (loopback)"),
        ("https://[0:0:0:0:0:0:0:1]/", "address: address not allowed: ::1 (loopback)"),
        ("https://[::]/", "address: address not allowed: :: (unspecified)"),
        ("https://[fd00::1]/", "address: address not allowed: fd00::1 (unique local, private network)"),
        ("https://[fc00::1]/", "address: address not allowed: fc00::1 (unique local, private network)"),
        ("https://[fe80::1]/", "address: address not allowed: fe80::1 (link-local)"),
        ("https://[fe80::1%25eth0]/", "address: address not allowed: fe80::1 (link-local)"),
        ("https://[ff02::1]/", "address: address not allowed: ff02::1 (multicast)"),
        ("https://[::ffff:10.0.0.1]/", "address: address not allowed: ::ffff:10.0.0.1 (IPv4-mapped 10.0.0.1, private network)"),
        ("https://[::ffff:7f00:1]/", "address: address not allowed: ::ffff:127.0.0.1 (IPv4-mapped 127.0.0.1, loopback)"),
        ("https://[::ffff:93.184.216.34]/", "address: address not allowed: ::ffff:93.184.216.34 (IPv4-mapped 93.184.216.34)"),
        ("https://[::127.0.0.1]/", "address: address not allowed: ::127.0.0.1 (IPv4-compatible 127.0.0.1, loopback)"),
        ("https://[64:ff9b::10.0.0.1]/", "address: address not allowed: 64:ff9b::a00:1 (NAT64 of 10.0.0.1, private network)"),
        ("https://[64:ff9b::a9fe:a9fe]/", "address: address not allowed: 64:ff9b::a9fe:a9fe (NAT64 of 169.254.169.254, link-local, cloud metadata)"),
        ("https://[2002:c0a8:101::1]/", "address: address not allowed: 2002:c0a8:101::1 (6to4 of 192.168.1.1, private network)"),
        ("https://[2001:db8::1]/", "address: address not allowed: 2001:db8::1 (documentation)"),
        ("https://[2001:0:4136:e378::1]/", "address: address not allowed: 2001:0:4136:e378::1 (IETF protocol assignments, Teredo)"),
        ("https://[100::1]/", "address: address not allowed: 100::1 (discard-only)"),
        ("https://[4000::1]/", "address: address not allowed: 4000::1 (reserved)"),
        ("https://localhost:5432/", "address: address not allowed: localhost (loopback)"),
        ("https://LocalHost./", "address: address not allowed: localhost (loopback)"),
        ("https://db.localhost/", "address: address not allowed: db.localhost (loopback)"),
        ("http://127.0.0.1:22/", "insecure: plain http is not allowed (use https)"),
        ("http://localhost:5432/", "insecure: plain http is not allowed (use https)"),
        ("ftp://93.184.216.34/", "scheme: use https"),
        ("http+unix://%2Fvar%2Frun%2Fdocker.sock/", "scheme: use https"),
        ("/relative/path", "malformed: not an absolute URL"),
    ])
    func refused(_ url: String, _ expected: String) async {
        #expect(await Self.verdict(url) == expected)
    }

    @Test("public addresses are allowed, in any encoding", arguments: [
        ("https://93.184.216.34/hook", "allowed 93.184.216.34"),
        ("https://1572395042/hook", "allowed 93.184.216.34"),
        ("https://[2001:4860:4860::8888]/", "allowed 2001:4860:4860::8888"),
        ("https://[64:ff9b::5db8:d822]/", "allowed 64:ff9b::5db8:d822"),
        ("https://[2002:5db8:d822::1]/", "allowed 2002:5db8:d822::1"),
        ("https://172.32.0.1/", "allowed 172.32.0.1"),
        ("https://100.128.0.1/", "allowed 100.128.0.1"),
    ])
    func allowed(_ url: String, _ expected: String) async {
        #expect(await Self.verdict(url) == expected)
    }

    @Test("a name is judged by every address it resolves to: one internal answer refuses it; the target is the checked address")
    func names() async {
        let answers: [String: [String]] = ["hooks.kraamzorg.test": ["93.184.216.34", "2001:4860:4860::8888"],
                                           "split.kraamzorg.test": ["93.184.216.34", "10.0.0.1"],
                                           "odd.kraamzorg.test": ["not an address"]]
        let resolve: WebhookTargetPolicy.Resolver = { host in
            guard let found = answers[host] else { throw NoResolution() }
            return found
        }
        #expect(await Self.verdict("https://hooks.kraamzorg.test/in", resolve: resolve) == "allowed 93.184.216.34")
        #expect(await Self.verdict("https://HOOKS.kraamzorg.test./in", resolve: resolve) == "allowed 93.184.216.34")
        #expect(await Self.verdict("https://split.kraamzorg.test/in", resolve: resolve)
            == "address: address not allowed: 10.0.0.1 (private network), resolved from split.kraamzorg.test")
        #expect(await Self.verdict("https://odd.kraamzorg.test/in", resolve: resolve) == "unresolvable: odd.kraamzorg.test resolved to no address")
        #expect(await Self.verdict("https://gone.kraamzorg.test/in", resolve: resolve) == "unresolvable: cannot resolve gone.kraamzorg.test")
    }

    @Test("the allowlist opens exactly what it names: its ranges, its addresses, its hosts; plain http only with its own switch")
    func allowlist() async throws {
        let policy = try WebhookTargetPolicy(allowing: ["127.0.0.0/8", "10.1.0.0/16", "fd00::1", "intranet.zorg"])
        #expect(await Self.verdict("https://127.0.0.1:8443/", policy) == "allowed 127.0.0.1")
        #expect(await Self.verdict("https://0x7f000001/", policy) == "allowed 127.0.0.1")
        #expect(await Self.verdict("https://[::ffff:127.0.0.1]/", policy) == "allowed ::ffff:127.0.0.1")
        #expect(await Self.verdict("https://10.1.200.3/", policy) == "allowed 10.1.200.3")
        #expect(await Self.verdict("https://10.2.0.1/", policy) == "address: address not allowed: 10.2.0.1 (private network)")
        #expect(await Self.verdict("https://[fd00::1]/", policy) == "allowed fd00::1")
        #expect(await Self.verdict("https://[fd00::2]/", policy) == "address: address not allowed: fd00::2 (unique local, private network)")
        #expect(await Self.verdict("https://[::1]/", policy) == "address: address not allowed: ::1 (loopback)")
        #expect(await Self.verdict("https://192.168.1.1/", policy) == "address: address not allowed: 192.168.1.1 (private network)")
        #expect(await Self.verdict("https://localhost/", policy) == "address: address not allowed: localhost (loopback)")
        #expect(await Self.verdict("https://intranet.zorg/", policy, resolve: { _ in ["192.168.7.7"] }) == "allowed 192.168.7.7")
        #expect(await Self.verdict("https://other.zorg/", policy, resolve: { _ in ["192.168.7.7"] })
            == "address: address not allowed: 192.168.7.7 (private network), resolved from other.zorg")
        #expect(await Self.verdict("http://127.0.0.1:9/", policy) == "insecure: plain http is not allowed (use https)")
        let insecure = try WebhookTargetPolicy(allowInsecure: true, allowing: ["localhost"])
        #expect(await Self.verdict("http://localhost:9/", insecure, resolve: { _ in ["127.0.0.1", "::1"] }) == "allowed 127.0.0.1")
        #expect(await Self.verdict("http://127.0.0.1:9/", insecure) == "address: address not allowed: 127.0.0.1 (loopback)")
        #expect(await Self.verdict("http://93.184.216.34/", insecure) == "allowed 93.184.216.34")
    }

    @Test("malformed allowlist entries are refused, naming the entry", arguments: [
        ("10.0.0.0/33", "'10.0.0.0/33': the prefix length must be 0…32"),
        ("fd00::/129", "'fd00::/129': the prefix length must be 0…128"),
        ("10.1.2.3/8", "'10.1.2.3/8' has bits set past the /8 prefix (did you mean 10.0.0.0/8?)"),
        ("10.0.0.0/x", "'10.0.0.0/x': the prefix length must be 0…32"),
        ("hooks intern", "'hooks intern' is not a CIDR range, an address or a host name"),
        ("https://10.0.0.1/", "'https://10.0.0.1/' is not a CIDR range, an address or a host name"),
    ])
    func malformedEntries(_ entry: String, _ message: String) {
        #expect(throws: NetworkRange.Invalid.self) { try WebhookTargetPolicy(allowing: [entry]) }
        do { _ = try WebhookTargetPolicy(allowing: [entry]) } catch { #expect(error.description == message) }
    }

    @Test("the table: each range holds its own first and last address and not its neighbours")
    func table() throws {
        let private10 = try #require(try NetworkRange("10.0.0.0/8"))
        #expect(private10.contains(IPAddress("10.255.255.255")!) && !private10.contains(IPAddress("11.0.0.0")!))
        let ula = try #require(try NetworkRange("fc00::/7"))
        #expect(ula.contains(IPAddress("fdff:ffff::1")!) && !ula.contains(IPAddress("fe00::1")!))
        #expect(!ula.contains(IPAddress("252.0.0.1")!), "families never mix")
        #expect(InternalNetworks.reason(IPAddress("172.15.255.255")!) == nil)
        #expect(InternalNetworks.reason(IPAddress("172.16.0.0")!) == "private network")
        #expect(InternalNetworks.reason(IPAddress("169.253.255.255")!) == nil)
        #expect(InternalNetworks.reason(IPAddress("223.255.255.255")!) == nil)
        #expect(IPAddress("hooks.example.org") == nil && IPAddress("1e100.net") == nil && IPAddress("") == nil)
        #expect(IPAddress("256.0.0.1") == nil && IPAddress("1.2.3.4.5") == nil)
    }
}
