/// What the gateway answers for an accepted message (and returns again for an identical re-send).
public struct Receipt: Sendable, Codable, Hashable {
    public var messageId: String
    public var kind: String
    public var version: String
    /// A masked client reference (last three BSN digits): enough to match, not to identify.
    public var clientReference: String
    public var receivedAt: String
    /// Warnings from validation (e.g. a deprecated version).
    public var warnings: [ValidationIssue]
    /// Deliveries planned for this message (`webhook:ura:…`, `inbox:ura:…`; docs/forwarding.md).
    public var deliveriesPlanned: [String]

    /// `***-**-007` style reference for a BSN.
    public static func maskedReference(bsn: String) -> String {
        "bsn:******" + bsn.suffix(3)
    }
}
