import Crypto
import Foundation

/// A partner organisation allowed to use the gateway (a midwifery practice, hospital, …).
public struct Partner: Sendable, Codable, Hashable {
    public var id: String
    public var name: String
    /// `verloskundigenpraktijk`, `ziekenhuis`, `kraamzorg`, `jgz`, `huisarts`.
    public var type: String
    public var ura: String
    public var agb: String?
    /// The organisation's id in the national perinatal registry (Perined LVR): how kernset
    /// messages name it (``SenderPolicy/resolvingLVR(_:partners:)``).
    public var lvr: String?
    public var createdAt: String
    public var revoked: Bool

    public static let types: Set<String> = ["verloskundigenpraktijk", "ziekenhuis", "kraamzorg", "jgz", "huisarts"]

    public init(id: String, name: String, type: String, ura: String, agb: String?, lvr: String? = nil, createdAt: String, revoked: Bool = false) {
        self.id = id
        self.name = name
        self.type = type
        self.ura = ura
        self.agb = agb
        self.lvr = lvr
        self.createdAt = createdAt
        self.revoked = revoked
    }

    /// The organisation as the record names it: URA, AGB, name and type.
    public var organisation: OrganisationRef {
        OrganisationRef(ura: ura, agb: agb, name: name, type: type)
    }

    /// An LVR id as Perined gives them: 1 to 20 letters and digits.
    public static func isValidLVR(_ text: String) -> Bool {
        (1...20).contains(text.count) && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }
}

/// Partner API tokens: shown once, stored only as a SHA-256 hash.
public enum PartnerToken {
    /// A new random token (`pgt_` + 43 base64url characters, 256 bits); client-portal and
    /// operator tokens use their own prefix.
    /// The prefix of partner tokens.
    public static let prefix = "pgt_"

    public static func generate(prefix: String = PartnerToken.prefix) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let encoded = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return prefix + encoded
    }

    /// The stored form of a token: SHA-256, hex.
    public static func hash(_ token: String) -> String {
        Hex.encode(SHA256.hash(data: Data(token.utf8)))
    }
}

/// Where partners and their token hashes live. Each method is one transaction.
public protocol PartnerRegistry: Sendable {
    /// Registers a partner with the hash of its token.
    func addPartner(_ partner: Partner, tokenHash: String, audit: AuditEntry) async throws
    /// The active (not revoked) partner holding the token with this hash.
    func partner(tokenHash: String) async throws -> Partner?
    func partners() async throws -> [Partner]
    /// Revokes a partner; `false` when there is no such partner.
    /// Disables (`revoked`) or enables a partner; `false` when there is no such partner.
    func setPartnerRevoked(id: String, revoked: Bool, audit: AuditEntry) async throws -> Bool
    /// Binds a TLS client certificate (SHA-256 of its DER form, lowercase hex) to a partner;
    /// `false` when there is no such partner. A certificate belongs to at most one partner.
    func bindCertificate(partnerId: String, fingerprint: String, audit: AuditEntry) async throws -> Bool
    /// The active partner a client certificate with this fingerprint is bound to.
    func partner(certificateFingerprint: String) async throws -> Partner?
}

extension PartnerRegistry {
    /// Disables the partner: its token and certificate open nothing any more.
    public func revokePartner(id: String, audit: AuditEntry) async throws -> Bool {
        try await setPartnerRevoked(id: id, revoked: true, audit: audit)
    }
}

extension Partner {
    /// The active partner already registered for `ura`, if any: one organisation, one active
    /// partner (a second would get its own token and its own care relationships for the same URA).
    public static func activeHolder(of ura: String, among partners: [Partner]) -> Partner? {
        partners.first { $0.ura == ura && !$0.revoked }
    }

    /// The partner that is not revoked and holds this LVR id, if any: one LVR id names one organisation.
    public static func activeHolder(lvr: String, among partners: [Partner]) -> Partner? {
        partners.first { $0.lvr == lvr && !$0.revoked }
    }
}
