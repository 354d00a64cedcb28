import Crypto
import Foundation
import HummingbirdCore
import HummingbirdTLS
import NIOSSL
import PerigateCore

/// HTTPS settings: the server's certificate chain and key (PEM), and optionally the CA that
/// signs partners' client certificates — then every connection must present one (mutual TLS)
/// and the certificate must be bound to a partner (`perigate partner bind-cert`).
public struct GatewayTLS: @unchecked Sendable {
    public let configuration: TLSConfiguration
    public let requiresClientCertificate: Bool

    /// Loads PEM files; throws naming the file that could not be read.
    public init(certificatePath: String, keyPath: String, clientCAPath: String? = nil) throws {
        let chain = try Self.load(certificatePath) { try NIOSSLCertificate.fromPEMFile($0) }
        let key = try Self.load(keyPath) { try NIOSSLPrivateKey(file: $0, format: .pem) }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) },
                                                                     privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        if let clientCAPath {
            let roots = try Self.load(clientCAPath) { try NIOSSLCertificate.fromPEMFile($0) }
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .certificates(roots)
        }
        self.configuration = configuration
        requiresClientCertificate = clientCAPath != nil
    }

    /// The server for `http`: HTTPS with `tls`, plain HTTP without (the gateway and the witness server).
    static func server(_ http: HTTP1Channel.Configuration, tls: GatewayTLS?) throws -> HTTPServerBuilder {
        try tls.map { try .tls(.http1(configuration: http), tlsConfiguration: $0.configuration) } ?? .http1(configuration: http)
    }

    /// The fingerprint a client certificate (PEM file) is bound by: SHA-256 of its DER form, hex.
    public static func fingerprint(certificatePEMFile path: String) throws -> String {
        guard let certificate = try load(path, { try NIOSSLCertificate.fromPEMFile($0) }).first else {
            throw TLSFileError(path: path, reason: "holds no certificate")
        }
        return Hex.encode(SHA256.hash(data: try certificate.toDERBytes()))
    }

    static func load<T>(_ path: String, _ read: (String) throws -> T) throws -> T {
        guard FileManager.default.isReadableFile(atPath: path) else { throw TLSFileError(path: path, reason: "is not readable") }
        do { return try read(path) } catch { throw TLSFileError(path: path, reason: "is not valid PEM (\(error))") }
    }
}

/// A TLS file that could not be used.
public struct TLSFileError: Error, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "\(path) \(reason)" }
}
