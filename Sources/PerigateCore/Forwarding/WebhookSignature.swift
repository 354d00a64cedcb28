import Crypto
import Foundation

/// Standard Webhooks signing (https://www.standardwebhooks.com): a secret `whsec_<base64 key>`,
/// headers `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`
/// `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`; during a secret rotation one
/// signature per secret, space-separated.
public enum WebhookSignature {
    public static let secretPrefix = "whsec_"

    /// A new random secret (32 bytes).
    public static func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return secretPrefix + Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }).base64EncodedString()
    }

    /// The key bytes of a `whsec_` secret; `nil` when malformed.
    public static func key(of secret: String) -> SymmetricKey? {
        guard secret.hasPrefix(secretPrefix), let bytes = Data(base64Encoded: String(secret.dropFirst(secretPrefix.count))),
              !bytes.isEmpty else { return nil }
        return SymmetricKey(data: bytes)
    }

    /// The `webhook-signature` header value for `body`, signed with every secret given.
    public static func header(id: String, timestamp: Int, body: Data, secrets: [String]) -> String {
        secrets.compactMap(key(of:)).map { key in
            var signed = Data("\(id).\(timestamp).".utf8)
            signed.append(body)
            return "v1," + Data(HMAC<SHA256>.authenticationCode(for: signed, using: key)).base64EncodedString()
        }.joined(separator: " ")
    }

    /// What a receiver does: true when one of the header's `v1` signatures matches `secret`.
    public static func verify(header: String, id: String, timestamp: Int, body: Data, secret: String) -> Bool {
        let expected = Self.header(id: id, timestamp: timestamp, body: body, secrets: [secret])
        return !expected.isEmpty && header.split(separator: " ").contains { $0 == Substring(expected) }
    }
}
