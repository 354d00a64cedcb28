import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix

/// Why an attempt got no HTTP answer, in words an operator acts on: connection refused, reset,
/// unreachable, timeout, TLS, closed. Recorded with the attempt and shown in the console and
/// `perigate deliveries list`; never a bare type name.
enum DeliveryFailure {
    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "timeout: no connection within the connect timeout"
            case .readTimeout, .deadlineExceeded: return "timeout: no answer in time"
            case .remoteConnectionClosed: return "connection closed by the receiver before it answered"
            case .tlsHandshakeTimeout: return "TLS: handshake timed out"
            default: return "HTTP client: \(String(describing: error).prefix(120))"
            }
        }
        if let error = error as? NIOConnectionError, let first = error.connectionErrors.first {
            return describe(first.error)
        }
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED: return "connection refused"
            case ECONNRESET: return "connection reset by the receiver"
            case EHOSTUNREACH: return "host unreachable"
            case ENETUNREACH: return "network unreachable"
            case ETIMEDOUT: return "timeout: the connection timed out"
            default: return "network error (errno \(error.errnoCode))"
            }
        }
        if let error = error as? ChannelError {
            switch error {
            case .connectTimeout: return "timeout: no connection within the connect timeout"
            case .eof, .alreadyClosed, .ioOnClosedChannel, .outputClosed: return "connection closed by the receiver before it answered"
            default: return "connection error (\(error))"
            }
        }
        if String(reflecting: type(of: error)).contains("NIOSSL") || String(reflecting: type(of: error)).contains("BoringSSL") {
            return "TLS: \(String(describing: error).prefix(160))"
        }
        return String(describing: type(of: error))
    }
}
