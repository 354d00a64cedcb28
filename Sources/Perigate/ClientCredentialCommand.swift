import ArgumentParser
import Foundation
import PerigateCore
import PerigateSQLite

/// `perigate client-credential add --bsn …`: a client-portal token with which one client reads her own file (JSON, FHIR, `/fhir/stu3`) and access log.
struct ClientCredentialCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client-credential", abstract: "Client-portal credentials: a token with which one client reads her own file and access log.",
        subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a credential bound to a BSN and print its token (shown once).")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "The client's BSN (9 digits, elfproef).") var bsn: String

        func validate() throws {
            if let problem = BSN.problem(with: bsn) { throw ValidationError("--bsn \(problem)") }
        }

        func run() async throws {
            guard let bsn = BSN(bsn) else { throw ValidationError("--bsn is not valid") }
            let token = PartnerToken.generate(prefix: ClientCredential.tokenPrefix)
            let credential = ClientCredential(id: UUID().uuidString.lowercased(), bsn: bsn.value, createdAt: Date().formatted(.iso8601))
            try await database.withStore { store in
                try await store.addClientCredential(credential, tokenHash: PartnerToken.hash(token), audit: AuditEntry(
                    time: credential.createdAt, actor: "operator:cli", event: "client-credential.add", action: "C",
                    object: "bsn:\(bsn.value)/client-credential:\(credential.id)", outcome: "success", checks: AuditChecks.authorized))
            }
            print("client credential \(credential.id) for \(Receipt.maskedReference(bsn: bsn.value)) added")
            print("token (shown once, hand it to the client portal): \(token)")
        }
    }
}
