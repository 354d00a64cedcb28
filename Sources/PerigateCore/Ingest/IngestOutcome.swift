/// The result of offering one message to the gateway. Bad input is an outcome, never a throw.
public enum IngestOutcome: Sendable, Hashable {
    /// Stored durably: the receipt.
    case accepted(Receipt)
    /// The same message (id and bytes) was accepted before: the original receipt.
    case duplicate(Receipt)
    /// Refused; the rejection is stored (with its report) and audited. `reason` says why.
    case rejected(reason: RejectionReason, report: ValidationReport, rejectionId: String)
    /// The same message id was accepted before with different content: answered 409, kept as a
    /// rejection row (metadata only, ``StoredMessage/conflictPrefix``); the kind and version the
    /// re-send named.
    case conflict(messageId: String, kind: String?, version: String?)

    /// Why a message was refused; the HTTP layer maps each to one status code.
    public enum RejectionReason: String, Sendable, Hashable, CaseIterable {
        case tooLarge = "too-large"
        /// Beyond the limits on attributes, elements or depth (``XMLComplexity``).
        case tooComplex = "too-complex"
        case malformed
        case unsupported
        case invalid
        case schemaRequired = "schema-required"
        /// The message's `afzender` is not the authenticated partner.
        case senderMismatch = "sender-mismatch"
        case noMapper = "no-mapper"
        /// A consent registration (`toestemming`) from a partner that may not register it.
        case consentRefused = "consent-refused"
        /// From a partner whose type may not take part (insurer, company doctor).
        case partnerType = "partner-type"
    }
}

extension IngestOutcome {
    /// A short label for metrics: `accepted`, `duplicate`, `conflict`, `unsupported-version` (a
    /// known kind in a version not taken) or the rejection reason (`unsupported`: an unknown kind).
    public var label: String {
        switch self {
        case .accepted: return "accepted"
        case .duplicate: return "duplicate"
        case .conflict: return "conflict"
        case .rejected(.unsupported, let report, _) where report.isUnsupportedVersion: return "unsupported-version"
        case .rejected(let reason, _, _): return reason.rawValue
        }
    }

    /// The message kind, when the gateway recognised it.
    public var kind: String? {
        switch self {
        case .accepted(let receipt), .duplicate(let receipt): return receipt.kind
        case .rejected(_, let report, _): return report.kind
        case .conflict(_, let kind, _): return kind
        }
    }

    /// The message version, when the gateway recognised it.
    public var version: String? {
        switch self {
        case .accepted(let receipt), .duplicate(let receipt): return receipt.version
        case .rejected(_, let report, _): return report.version
        case .conflict(_, _, let version): return version
        }
    }
}
