import Crypto
import Foundation

/// Message ids are the sender's: idempotency and conflicts are per (sending partner, message id),
/// so one partner's id never collides with, reveals or reserves another's. A message is stored
/// under its own id unless another partner already holds that id; then under the id scoped to
/// its sender (``scoped(_:partnerId:)``). Receipts and inbox items always show the message id.
public enum MessageKey {
    /// The storage key of message `id` from partner `partnerId` when another partner holds `id`.
    public static func scoped(_ id: String, partnerId: String) -> String {
        id + marker + Hex.encode(SHA256.hash(data: Data(partnerId.utf8)).prefix(6))
    }

    /// The message id a storage key stands for.
    public static func messageId(of key: String) -> String {
        guard key.count > marker.count + 12 else { return key }
        let suffix = key.suffix(marker.count + 12)
        guard suffix.hasPrefix(marker), suffix.dropFirst(marker.count).allSatisfy(\.isHexDigit) else { return key }
        return String(key.dropLast(marker.count + 12))
    }

    /// Whether `message` was sent by `partner`: the partner id it was stored with, or — for
    /// messages stored before partner ids were kept — the same organisation (URA).
    public static func isOwn(_ message: StoredMessage, by partner: Partner) -> Bool {
        if let owner = message.senderPartnerId { return owner == partner.id }
        return message.senderURA.map { SenderPolicy.sameOrganisation($0, partner.ura) } ?? false
    }

    /// The longest message id taken, in UTF-8 bytes (a storage key adds at most 14).
    public static let maximumIdBytes = 256

    /// Why `id` cannot be a message id, in words for the sender (`nil`: it can): empty, longer
    /// than ``maximumIdBytes`` bytes, or holding control characters. Ids are compared by their
    /// bytes everywhere (the stores do): two encodings of one text are two ids.
    public static func problem(_ id: String) -> String? {
        if id.isEmpty { return "the message id is empty" }
        if id.utf8.count > maximumIdBytes { return "the message id is longer than \(maximumIdBytes) bytes" }
        if id.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "the message id holds control characters"
        }
        return nil
    }

    static let marker = "~p"
}
