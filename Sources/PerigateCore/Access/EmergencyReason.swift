import Foundation

/// The reason a professional gives for the emergency procedure (break-the-glass), as sent in
/// `Perigate-Emergency-Reason` (percent-encoded UTF-8): 10 to 500 printable characters after
/// decoding — no control characters (`%00`, line breaks, …), not only white space.
public enum EmergencyReason {
    /// The allowed length, in characters after decoding and trimming.
    public static let length = 10...500

    /// The decoded reason, or `nil` when it does not qualify.
    public static func validated(_ header: String) -> String? {
        guard let decoded = header.removingPercentEncoding else { return nil }
        let reason = decoded.trimmingCharacters(in: .whitespaces)
        guard length.contains(reason.count),
              !reason.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format })
        else { return nil }
        return reason
    }
}
