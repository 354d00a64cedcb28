import Crypto
import Foundation

/// A signed statement "line `sequence` of the audit log has hash `hash`", written periodically
/// by the gateway with an Ed25519 key kept outside the database. A verifier that finds the
/// database ending before the last checkpoint, or holding another hash there, knows the log was
/// cut or rewritten.
public struct AuditCheckpoint: Sendable, Codable, Hashable {
    public var sequence: Int
    public var hash: String
    /// When it was signed (UTC, ISO 8601).
    public var time: String
    /// The signer's public key (raw 32 bytes, base64).
    public var publicKey: String
    /// Ed25519 signature over ``signedText``, base64.
    public var signature: String

    /// What is signed: `perigate-audit-checkpoint\n<sequence>\n<hash>\n<time>`.
    public static func signedText(sequence: Int, hash: String, time: String) -> Data {
        Data("perigate-audit-checkpoint\n\(sequence)\n\(hash)\n\(time)".utf8)
    }

    /// Signs the chain head with `key`.
    public static func sign(sequence: Int, hash: String, time: String, key: Curve25519.Signing.PrivateKey) throws -> AuditCheckpoint {
        let signature = try key.signature(for: signedText(sequence: sequence, hash: hash, time: time))
        return AuditCheckpoint(sequence: sequence, hash: hash, time: time, publicKey: key.publicKey.rawRepresentation.base64EncodedString(),
                               signature: signature.base64EncodedString())
    }

    /// True when the signature is valid for `publicKey` (the verifier's trusted key).
    public func isValid(for publicKey: Curve25519.Signing.PublicKey) -> Bool {
        guard publicKey.rawRepresentation.base64EncodedString() == self.publicKey,
              let signature = Data(base64Encoded: signature) else { return false }
        return publicKey.isValidSignature(signature, for: Self.signedText(sequence: sequence, hash: hash, time: time))
    }
}
