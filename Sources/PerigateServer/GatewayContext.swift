import Crypto
import Hummingbird
import NIOCore
import NIOSSL
import PerigateCore

/// The request context: Hummingbird's core storage plus the connection, for the client's
/// address and (with mutual TLS) its certificate.
public struct GatewayContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        channel = source.channel
    }

    /// The client's IP address (`nil` when the transport does not say).
    public var clientAddress: String? { channel.remoteAddress?.ipAddress }

    /// The client's address as audit lines and per-source limits name it (``source(of:)``).
    public var source: String { Self.source(of: channel) }

    /// The address of the client at the other end of `channel`, `unknown` when the transport
    /// does not say: the one naming of a source, for audit lines, lock-outs and connection caps.
    static func source(of channel: any Channel) -> String {
        channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// SHA-256 (lowercase hex) of the DER form of the client's TLS certificate, when it sent one.
    func clientCertificateFingerprint() async -> String? {
        guard let certificate = try? await channel.nioSSL_peerCertificate().get(),
              let der = try? certificate.toDERBytes() else { return nil }
        return Hex.encode(SHA256.hash(data: der))
    }
}
