import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension WebhookTargetPolicy {
    /// The system resolver (`getaddrinfo`, as the HTTP client would use it), run off the
    /// cooperative threads: the host's addresses in the order the system prefers (RFC 6724).
    public static let systemResolver: Resolver = { host in
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try lookUp(host) })
            }
        }
    }

    struct ResolutionFailed: Error {
        var code: Int32
    }

    static func lookUp(_ host: String) throws -> [String] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0 else { throw ResolutionFailed(code: status) }
        defer { freeaddrinfo(list) }
        var answers: [String] = []
        var entry = list
        while let current = entry?.pointee {
            if current.ai_family == AF_INET, let raw = current.ai_addr {
                let bytes = raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                    withUnsafeBytes(of: pointer.pointee.sin_addr) { Array($0) }
                }
                answers.append(IPAddress(bytes: bytes).description)
            } else if current.ai_family == AF_INET6, let raw = current.ai_addr {
                let bytes = raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                    withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
                }
                answers.append(IPAddress(bytes: bytes).description)
            }
            entry = current.ai_next
        }
        var seen = Set<String>()
        return answers.filter { seen.insert($0).inserted }
    }
}
