/// Authorization rule for ingest: a partner may only send messages whose sending organisation
/// (`afzender`) is itself. Pure; tested on its own.
public enum SenderPolicy {
    /// Names this rule in audit lines (with its version).
    public static let protocolName = "perigate-sender-policy/1"

    /// `nil` when allowed, else the reason for refusal.
    public static func refusal(authenticatedURA: String, claimed sender: OrganisationRef) -> String? {
        guard let claimed = sender.ura else {
            return "the message names no URA for its sender; the gateway cannot match it to the authenticated partner"
        }
        return normalised(claimed) == normalised(authenticatedURA)
            ? nil : "the message's sender (URA \(claimed)) is not the authenticated partner"
    }

    /// Whether two URA numbers name the same organisation (leading zeros ignored).
    public static func sameOrganisation(_ a: String, _ b: String) -> Bool {
        normalised(a) == normalised(b)
    }

    /// URA numbers compare without leading zeros (`01234567` = `1234567`).
    static func normalised(_ ura: String) -> String {
        let trimmed = ura.drop { $0 == "0" }
        return trimmed.isEmpty ? "0" : String(trimmed)
    }
}
