import Foundation
import Glibc

/// A blocking TCP connection to `127.0.0.1:port` whose own end is bound to a chosen loopback
/// address (Linux routes all of 127/8 to lo), so attack traffic comes from another source than
/// the partner's (127.0.0.1). For requests URLSession cannot make: stalled bodies, floods.
/// Only loopback addresses are accepted.
public struct LoopbackSocket: Sendable {
    public let descriptor: Int32

    public struct Failed: Error {
        var call: String
        var errno: Int32
    }

    /// Connects from `source` (a 127.x.y.z address); reads give up after `readTimeout` seconds.
    public init(port: Int, from source: String = "127.0.0.2", readTimeout: Int = 10) throws {
        precondition(source.hasPrefix("127."), "loopback only")
        descriptor = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failed(call: "socket", errno: errno) }
        var timeout = timeval(tv_sec: readTimeout, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var local = Self.address(source, port: 0)
        var remote = Self.address("127.0.0.1", port: port)
        let bound = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        let connected = bound == 0 ? withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } : -1
        guard connected == 0 else {
            let failure = Failed(call: bound == 0 ? "connect" : "bind", errno: errno)
            Glibc.close(descriptor)
            throw failure
        }
    }

    static func address(_ ip: String, port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr(ip)
        return address
    }

    public func write(_ text: String) throws {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw Failed(call: "send", errno: errno) }
            sent += count
        }
    }

    /// Everything received until the server closes the connection or the read timeout passes
    /// (with `untilJSON`, also until a complete head and a `}` have come: a problem+json answer on
    /// a connection the server keeps open).
    public func readAll(untilJSON: Bool = false) -> String {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count <= 0 { break }
            received += buffer[0..<count]
            if untilJSON, let text = String(bytes: received, encoding: .utf8), text.contains("\r\n\r\n"), text.contains("}") { break }
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// ``readAll(untilJSON:)`` on a Dispatch thread: a blocking read on a test's cooperative
    /// threads (two on this machine) would starve an in-process server's own tasks.
    public func read(untilJSON: Bool = false) async -> String {
        await withCheckedContinuation { done in
            DispatchQueue.global().async { done.resume(returning: self.readAll(untilJSON: untilJSON)) }
        }
    }

    /// Whether the server has closed this connection (a read that would block means it is open).
    public var isClosedByPeer: Bool {
        var byte: UInt8 = 0
        let count = recv(descriptor, &byte, 1, Int32(MSG_DONTWAIT) | Int32(MSG_PEEK))
        return count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }

    /// The status code of the answer's status line (0 if there was none).
    public static func status(of response: String) -> Int {
        guard response.hasPrefix("HTTP/1.1 ") else { return 0 }
        return Int(response.dropFirst(9).prefix(3)) ?? 0
    }

    /// The status and, for a problem+json answer, its code: `"503 request.timeout"`, `"401"`.
    public static func outcome(of response: String) -> String {
        guard let range = response.range(of: #""code":""#) ?? response.range(of: #""code" : ""#) else { return "\(status(of: response))" }
        return "\(status(of: response)) " + response[range.upperBound...].prefix { $0 != "\"" }
    }

    /// One request with `Connection: close`, answered: (status, the whole response).
    public static func exchange(port: Int, from source: String = "127.0.0.2", _ method: String, _ path: String,
                         headers: [String: String] = [:], body: String = "") throws -> (status: Int, response: String) {
        let connection = try LoopbackSocket(port: port, from: source, readTimeout: 120)
        defer { connection.close() }
        let fields = headers.merging(["Host": "127.0.0.1", "Connection": "close", "Content-Length": "\(body.utf8.count)"]) { own, _ in own }
        try connection.write("\(method) \(path) HTTP/1.1\r\n" + fields.map { "\($0): \($1)\r\n" }.joined() + "\r\n" + body)
        let response = connection.readAll()
        return (status(of: response), response)
    }

    public func close() {
        Glibc.close(descriptor)
    }
}
