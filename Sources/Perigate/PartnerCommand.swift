import ArgumentParser
import Foundation
import PerigateCore
import PerigateSQLite
import PerigateServer

/// `perigate partner add|list|revoke|bind-cert`: the organisations allowed to use the gateway.
struct PartnerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partner", abstract: "Manage partner organisations and their API tokens.",
        subcommands: [Add.self, List.self, Revoke.self, BindCert.self])

    static func audit(_ event: String, _ object: String, detail: String? = nil) -> AuditEntry {
        AuditEntry(time: Date().formatted(.iso8601), actor: "operator:cli", event: event,
                   action: "U", object: object, outcome: "success", detail: detail)
    }

    /// `partner add`: prints the token once; only its SHA-256 is stored.
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a partner and print its API token (shown once).")
        @OptionGroup var database: DatabaseOptions
        @Option var name: String
        @Option(help: "verloskundigenpraktijk, ziekenhuis, kraamzorg, jgz or huisarts.")
        var type: String
        @Option(help: "URA number (1 to 8 digits).")
        var ura: String
        @Option(help: "AGB code (8 digits).")
        var agb: String?
        @Option(help: "Perined LVR id (1 to 20 letters and digits): kernset messages name the organisation by it.")
        var lvr: String?

        func validate() throws {
            guard Partner.types.contains(type) else {
                throw ValidationError("--type must be one of \(Partner.types.sorted().joined(separator: ", "))")
            }
            if let problem = ProviderIdentifier.ura.problem(with: ura) { throw ValidationError("--ura \(problem)") }
            if let agb, let problem = ProviderIdentifier.agb.problem(with: agb) { throw ValidationError("--agb \(problem)") }
            if let lvr, !Partner.isValidLVR(lvr) { throw ValidationError("--lvr must be 1 to 20 letters and digits (the Perined LVR id)") }
        }

        func run() async throws {
            let token = PartnerToken.generate()
            let partner = Partner(id: UUID().uuidString.lowercased(), name: name, type: type, ura: ura, agb: agb, lvr: lvr,
                                  createdAt: Date().formatted(.iso8601))
            try await database.withStore { store in
                let registered = try await store.partners()
                if let existing = Partner.activeHolder(of: ura, among: registered) {
                    throw ValidationError("""
                        partner \(existing.id) (\(existing.name)) is already registered with URA \(ura) and active: use its token, \
                        or revoke it first (perigate partner revoke \(existing.id)) and add the organisation again
                        """)
                }
                if let lvr, let existing = Partner.activeHolder(lvr: lvr, among: registered) {
                    throw ValidationError("""
                        partner \(existing.id) (\(existing.name), URA \(existing.ura)) already holds LVR id \(lvr): one LVR id names \
                        one organisation; revoke that partner first if the id moved
                        """)
                }
                try await store.addPartner(partner, tokenHash: PartnerToken.hash(token),
                                           audit: PartnerCommand.audit("partner.add", "partner:\(partner.id)"))
            }
            print("partner \(partner.id) (\(name), URA \(ura)) added")
            print("token (shown once, store it safely): \(token)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List partners.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let partners = try await database.withStore { try await $0.partners() }
            print(TextTable.render([["ID", "NAME", "TYPE", "URA", "AGB", "LVR", "CREATED", "STATUS"]] + partners.map {
                [$0.id, $0.name, $0.type, $0.ura, $0.agb ?? "-", $0.lvr ?? "-", $0.createdAt, $0.revoked ? "revoked" : "active"]
            }))
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a partner: its token stops working at once.")
        @OptionGroup var database: DatabaseOptions
        @Argument var id: String

        func run() async throws {
            let found = try await database.withStore {
                try await $0.revokePartner(id: id, audit: PartnerCommand.audit("partner.revoke", "partner:\(id)"))
            }
            guard found else { throw ValidationError("no partner \(id)") }
            print("partner \(id) revoked")
        }
    }

    /// `partner bind-cert ID FILE.pem`: under mutual TLS this certificate authenticates the partner.
    struct BindCert: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bind-cert",
            abstract: "Bind a TLS client certificate (PEM) to a partner, for mutual TLS (serve --tls-client-ca).")
        @OptionGroup var database: DatabaseOptions
        @Argument var id: String
        @Argument(help: "The partner's client certificate (PEM).") var certificate: String

        func run() async throws {
            let fingerprint: String
            do { fingerprint = try GatewayTLS.fingerprint(certificatePEMFile: certificate) } catch let error as TLSFileError {
                throw ValidationError("cannot read the certificate: \(error)")
            }
            let found: Bool
            do {
                found = try await database.withStore {
                    try await $0.bindCertificate(partnerId: id, fingerprint: fingerprint, audit: PartnerCommand.audit("partner.bind-cert", "partner:\(id)"))
                }
            } catch {
                throw ValidationError("cannot bind: the certificate may already belong to another partner (\(error))")
            }
            guard found else { throw ValidationError("no partner \(id)") }
            print("partner \(id): client certificate sha256:\(fingerprint) bound")
        }
    }
}
