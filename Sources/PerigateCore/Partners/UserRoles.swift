/// The end-user roles (`Perigate-User-Role`) a partner of each care type may assert, and how each
/// role code reads in plain Dutch (issue 17, items 5 and 11). The one place for both: the server
/// refuses a role outside its partner type's list (`403 auth.role-not-allowed`), the client's
/// access log shows the words. Documented in docs/access.md.
public enum UserRoles {
    /// Allowed role codes per partner type. A type without a list (insurers, company doctors:
    /// ``AccessPolicy/excludedTypes``) is not checked here: the access policy refuses the type itself.
    public static let allowed: [String: Set<String>] = [
        "verloskundigenpraktijk": ["verloskundige", "verloskundige-in-opleiding", "praktijkassistent", "echoscopist"],
        "ziekenhuis": ["gynaecoloog", "klinisch-verloskundige", "verloskundige", "arts-assistent", "verpleegkundige",
                       "obstetrieverpleegkundige", "kinderarts", "echoscopist"],
        "kraamzorg": ["kraamverzorgende", "coordinator-kraamzorg", "wijkverpleegkundige"],
        "jgz": ["jgz-verpleegkundige", "jgz-arts", "jeugdverpleegkundige", "jeugdarts", "doktersassistent"],
        "huisarts": ["huisarts", "praktijkondersteuner", "doktersassistent"],
    ]

    /// Role codes in plain Dutch; a code not listed reads as itself.
    public static let words: [String: String] = [
        "verloskundige": "verloskundige", "verloskundige-in-opleiding": "verloskundige in opleiding",
        "praktijkassistent": "praktijkassistent", "echoscopist": "echoscopist", "gynaecoloog": "gynaecoloog",
        "klinisch-verloskundige": "klinisch verloskundige", "arts-assistent": "arts-assistent", "verpleegkundige": "verpleegkundige",
        "obstetrieverpleegkundige": "obstetrieverpleegkundige", "kinderarts": "kinderarts", "kraamverzorgende": "kraamverzorgende",
        "coordinator-kraamzorg": "coördinator kraamzorg", "wijkverpleegkundige": "wijkverpleegkundige",
        "jgz-verpleegkundige": "jeugdverpleegkundige", "jgz-arts": "jeugdarts", "jeugdverpleegkundige": "jeugdverpleegkundige",
        "jeugdarts": "jeugdarts", "doktersassistent": "doktersassistent", "huisarts": "huisarts",
        "praktijkondersteuner": "praktijkondersteuner", "client": "cliënt", "log-administrator": "logbeheerder",
        "operator": "beheerder", "beheerder": "beheerder",
    ]

    /// `nil` when a user of a `partnerType` partner may act as `role`, else why not (no patient data).
    public static func refusal(role: String, partnerType: String) -> String? {
        guard let roles = allowed[partnerType], !roles.contains(role) else { return nil }
        return "role '\(role)' is not a role of a \(partnerType) partner (allowed: \(roles.sorted().joined(separator: ", ")))"
    }

    /// The role in plain Dutch (`klinisch-verloskundige` → `klinisch verloskundige`); unknown codes as they are.
    public static func inWords(_ role: String) -> String {
        words[role] ?? role
    }
}
