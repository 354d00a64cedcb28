import ArgumentParser
import Foundation
import PerigateConsole
import PerigateCore

/// `perigate operator …`: operator accounts — a token for `/v1/operator/…` (shown once) and a
/// password for the operator console (`/console`).
struct OperatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "operator", abstract: "Operator accounts for the outbox endpoints (/v1/operator/…) and the console (/console).",
        subcommands: [Add.self, List.self, Revoke.self, Unlock.self, Password.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an operator and print its token (shown once).")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Who this is (a person; the console shows and audits this name).") var name: String
        @Option(help: "Login name for the console (letters, digits, . _ -); default: a new UUID.") var id: String?
        @Option(help: "operator (default) or log-administrator.") var role = OperatorRole.operator.rawValue

        func validate() throws {
            guard OperatorRole(rawValue: role) != nil else { throw ValidationError("--role must be operator or log-administrator") }
            if let id, !ConsolePassword.isValidLogin(id) {
                throw ValidationError("--id: 3 to 64 letters, digits, '.', '_' or '-'")
            }
        }

        func run() async throws {
            let token = PartnerToken.generate(prefix: Operator.tokenPrefix)
            let account = Operator(id: id ?? UUID().uuidString.lowercased(), name: name, createdAt: Date().formatted(.iso8601),
                                   role: OperatorRole(rawValue: role) ?? .operator)
            try await database.withStore {
                try await $0.addOperator(account, tokenHash: PartnerToken.hash(token),
                                         audit: PartnerCommand.audit("operator.add", "operator:\(account.id)", detail: "role \(account.role.rawValue)"))
            }
            print("operator \(account.id) (\(name), \(account.role.rawValue)) added")
            print("token (shown once, store it safely): \(token)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List operators: role, whether a console password is set, active or revoked.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let accounts = try await database.withStore { try await $0.operatorAccounts() }
            print(TextTable.render([["ID", "NAME", "ROLE", "CONSOLE", "CREATED", "STATUS"]] + accounts.map {
                [$0.account.id, $0.account.name, $0.account.role.rawValue, $0.passwordHash == nil ? "no password" : "password set",
                 $0.account.createdAt, $0.account.revoked ? "revoked" : "active"]
            }))
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke an operator: its token and console login open nothing from the next request on (its console session ends).")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The operator's id (login name).") var id: String

        func run() async throws {
            let revoked = try await database.withStore {
                try await $0.revokeOperator(id: id, audit: PartnerCommand.audit("operator.revoke", "operator:\(id)"))
            }
            guard revoked else { throw ValidationError("no active operator \(id) (perigate operator list)") }
            print("operator \(id) revoked")
        }
    }

    struct Unlock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Lift a console login lock on an operator (after five failed logins from one address); every node honours it.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The operator's id (login name).") var id: String

        func run() async throws {
            let now = Date()
            try await database.withStore { store in
                guard let account = try await store.operatorAccount(id: id), !account.account.revoked else {
                    throw ValidationError("no active operator \(id) (perigate operator list)")
                }
                try await store.appendAudit([PartnerCommand.audit("operator.unlock", "operator:\(id)")])
                try await ConsoleUnlock.record(id, store: store, now: now)
            }
            print("console login of operator \(id) unlocked (an address that tried many names stays locked for its 15 minutes)")
        }
    }

    struct Password: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set an operator's console password, read from standard input (one line, at least 12 characters).")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The operator's id (login name).") var id: String

        func run() async throws {
            guard let password = readLine(strippingNewline: true) else { throw ValidationError("no password on standard input") }
            if let problem = ConsolePassword.problem(with: password) { throw ValidationError(problem) }
            let hash = ConsolePassword.hash(password)
            let found = try await database.withStore {
                try await $0.setOperatorPassword(id: id, passwordHash: hash, audit: PartnerCommand.audit("operator.password", "operator:\(id)"))
            }
            guard found else { throw ValidationError("no operator \(id)") }
            print("console password of operator \(id) set")
        }
    }
}
