import Crypto
import Foundation

/// A signed statement "line `sequence` of the audit log has hash `hash`, and it extends the
/// checkpoint at line `previous`", written by the gateway every second (and every 1,000 lines)
/// with an Ed25519 key kept outside the database, and sent to witnesses outside the gateway's
/// data (``AuditWitness``). A verifier that finds the database ending before a witnessed
/// checkpoint, or holding another hash there, knows the log was cut or rewritten.
public struct AuditCheckpoint: Sendable, Codable, Hashable {
    /// The checkpoint this one extends: its line and that line's hash.
    public struct Previous: Sendable, Codable, Hashable {
        public var sequence: Int
        public var hash: String

        public init(sequence: Int, hash: String) {
            self.sequence = sequence
            self.hash = hash
        }
    }

    public var sequence: Int
    public var hash: String
    /// When it was signed (UTC, ISO 8601; the gateway's clock).
    public var time: String
    /// The checkpoint it extends (`nil` for a signer's first).
    public var previous: Previous?
    /// The signer's public key (raw 32 bytes, base64).
    public var publicKey: String
    /// Ed25519 signature over ``signedText``, base64.
    public var signature: String
    /// When a witness server stored it (the witness's own clock; not signed — the witness vouches
    /// for it). `nil` in the gateway's own file.
    public var witnessedAt: String?

    /// What is signed: `perigate-audit-checkpoint\n<sequence>\n<hash>\n<time>`, followed by
    /// `\n<previous sequence>\n<previous hash>` when it extends an earlier checkpoint.
    public static func signedText(sequence: Int, hash: String, time: String, previous: Previous?) -> Data {
        let extends = previous.map { "\n\($0.sequence)\n\($0.hash)" } ?? ""
        return Data("perigate-audit-checkpoint\n\(sequence)\n\(hash)\n\(time)\(extends)".utf8)
    }

    /// Signs the chain head (`sequence`, `hash`) with `key`, extending `previous`.
    public static func sign(sequence: Int, hash: String, time: String, previous: Previous? = nil,
                            key: Curve25519.Signing.PrivateKey) throws -> AuditCheckpoint {
        let signature = try key.signature(for: signedText(sequence: sequence, hash: hash, time: time, previous: previous))
        return AuditCheckpoint(sequence: sequence, hash: hash, time: time, previous: previous,
                               publicKey: key.publicKey.rawRepresentation.base64EncodedString(),
                               signature: signature.base64EncodedString(), witnessedAt: nil)
    }

    /// True when the signature is valid for the key it names (whether that key is trusted is
    /// the verifier's question).
    public var isSignatureValid: Bool {
        guard let raw = Data(base64Encoded: publicKey), let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw),
              let signature = Data(base64Encoded: signature) else { return false }
        return key.isValidSignature(signature, for: Self.signedText(sequence: sequence, hash: hash, time: time, previous: previous))
    }

    /// True when the signature is valid and made by `publicKey`.
    public func isValid(for publicKey: Curve25519.Signing.PublicKey) -> Bool {
        publicKey.rawRepresentation.base64EncodedString() == self.publicKey && isSignatureValid
    }

    /// This checkpoint as the line it is stored as (JSON, keys sorted, no newline).
    public func encodedLine() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// A stored line: the JSON of a checkpoint, alone or as the message of a syslog line (what a
    /// syslog server writes to its file: the JSON starts at the first `{`). `nil` when it is not one.
    public static func parse<Bytes: Collection<UInt8>>(line: Bytes) -> AuditCheckpoint? {
        guard let start = line.firstIndex(of: UInt8(ascii: "{")) else { return nil }
        return try? JSONDecoder().decode(AuditCheckpoint.self, from: Data(line[start...]))
    }
}

/// A signed purge record: "lines up to `upTo` (the last one written at `anchorTime`, hash
/// `anchorHash`) were removed at `time`", signed with the checkpoint key by `perigate audit purge`.
/// Verification trusts a purge only when its signature is valid for a trusted key and a witnessed
/// checkpoint at least the retention period older than the purge covers the removed lines.
public struct AuditPurge: Sendable, Hashable {
    public var upTo: Int
    public var anchorHash: String
    public var anchorTime: String
    public var time: String
    public var publicKey: String?
    public var signature: String?

    public init(upTo: Int, anchorHash: String, anchorTime: String, time: String, publicKey: String? = nil, signature: String? = nil) {
        self.upTo = upTo
        self.anchorHash = anchorHash
        self.anchorTime = anchorTime
        self.time = time
        self.publicKey = publicKey
        self.signature = signature
    }

    /// What is signed: `perigate-audit-purge\n<upTo>\n<anchorHash>\n<anchorTime>\n<time>`.
    public var signedText: Data { Data("perigate-audit-purge\n\(upTo)\n\(anchorHash)\n\(anchorTime)\n\(time)".utf8) }

    /// This record signed by `signer`.
    public func signed(by signer: AuditSigner) throws -> AuditPurge {
        var signed = self
        signed.publicKey = signer.publicKey
        signed.signature = try signer.key().signature(for: signedText).base64EncodedString()
        return signed
    }

    /// True when it carries a valid signature by the key it names.
    public var isSignatureValid: Bool {
        guard let publicKey, let signature, let raw = Data(base64Encoded: publicKey),
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw), let bytes = Data(base64Encoded: signature) else { return false }
        return key.isValidSignature(bytes, for: signedText)
    }
}

/// The checkpoint key in a `Sendable` form (the raw private key): signs checkpoints and purges.
public struct AuditSigner: Sendable {
    public let rawKey: Data
    /// Its public half (raw 32 bytes, base64): what auditors and witnesses pin.
    public let publicKey: String

    public init(_ key: Curve25519.Signing.PrivateKey) {
        rawKey = key.rawRepresentation
        publicKey = key.publicKey.rawRepresentation.base64EncodedString()
    }

    public func key() throws -> Curve25519.Signing.PrivateKey {
        try Curve25519.Signing.PrivateKey(rawRepresentation: rawKey)
    }

    /// A short fingerprint of a public key for messages: the first 16 hex digits of its SHA-256.
    public static func fingerprint(_ publicKey: String) -> String {
        Hex.encode(SHA256.hash(data: Data(base64Encoded: publicKey) ?? Data(publicKey.utf8))).prefix(16).description
    }
}
