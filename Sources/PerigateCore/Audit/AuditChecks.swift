/// The one vocabulary of an audit line's `checks` (NEN 7513: which controls were applied): four
/// positions — authorization (the caller's credential and partner type), care relationship,
/// consent, emergency procedure — each `T` (passed), `F` (failed, or for the emergency position:
/// not used) or `-` (not reached). Every writer uses these names, never a literal.
public enum AuditChecks {
    /// The checks string for these results (`nil`: not reached).
    public static func text(authorized: Bool?, careRelationship: Bool? = nil, consent: Bool? = nil, emergency: Bool? = false) -> String {
        [authorized, careRelationship, consent, emergency].map { $0.map { $0 ? "T" : "F" } ?? "-" }.joined()
    }

    /// Nothing checked: system events, requests refused before anyone was identified (`----`).
    public static let notChecked = text(authorized: nil, emergency: nil)
    /// A credential that did not authenticate (a refused console login) (`F---`).
    public static let credentialRefused = text(authorized: false, emergency: nil)
    /// Refused on authorization: the partner type or role may not do this (`F--F`).
    public static let unauthorized = text(authorized: false)
    /// Authorized; nothing about a client was decided (configuration, operator actions) (`T--F`).
    public static let authorized = text(authorized: true)
    /// Refused: no care relationship with her (`TF-F`).
    public static let noCareRelationship = text(authorized: true, careRelationship: false)
    /// Allowed for her care team; her consent was not needed (`TT-F`).
    public static let careTeam = text(authorized: true, careRelationship: true)
    /// Refused on consent: none registered, or withdrawn (`TTFF`).
    public static let consentRefused = text(authorized: true, careRelationship: true, consent: false)
    /// Allowed with care relationship and consent (`TTTF`).
    public static let consented = text(authorized: true, careRelationship: true, consent: true)
}
