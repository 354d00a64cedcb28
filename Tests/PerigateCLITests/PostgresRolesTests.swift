import Foundation
import PerigateCore
import PerigatePostgres
import Testing

/// The documented PostgreSQL roles (operations.md): the owner migrates, the gateway role runs with
/// scripts/postgres-grants.sql and cannot remove audit lines even by setting `perigate.purge`.
@Suite("PostgreSQL roles", .enabled(if: ProcessInfo.processInfo.environment["PERIGATE_TEST_POSTGRES_URL"] != nil,
                                    "no test PostgreSQL (scripts/test.sh starts one)"))
struct PostgresRolesTests {
    @Test("owner migrates; the gateway role works with the documented grants and cannot delete audit lines")
    func leastPrivilege() async throws {
        let server = try #require(ProcessInfo.processInfo.environment["PERIGATE_TEST_POSTGRES_URL"])
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let owner = "owner_\(suffix)", gateway = "gateway_\(suffix)", database = "perigate_roles_\(suffix)"
        try await PostgresMessageStore.execute(url: server, ["CREATE ROLE \(owner) LOGIN PASSWORD 'owner-pw'",
                                                             "CREATE ROLE \(gateway) LOGIN PASSWORD 'gateway-pw'",
                                                             "CREATE DATABASE \(database) OWNER \(owner)"])
        func url(_ role: String, _ password: String) -> String {
            var parts = URLComponents(string: server)!
            parts.user = role
            parts.password = password
            parts.path = "/" + database
            return parts.string!
        }
        let ownerURL = url(owner, "owner-pw"), gatewayURL = url(gateway, "gateway-pw")
        #expect(try MultiNodeTests.cli(["migrate"], ownerURL).status == 0)
        let grants = try String(contentsOf: CLITests.root.appendingPathComponent("scripts/postgres-grants.sql"), encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("--") && !$0.isEmpty }
            .map { $0.replacingOccurrences(of: ":gateway", with: gateway).trimmingCharacters(in: CharacterSet(charactersIn: ";")) }
        #expect(grants.count == 12)
        try await PostgresMessageStore.execute(url: ownerURL, grants)

        let added = try MultiNodeTests.cli(["partner", "add", "--name", "De Linde", "--type", "verloskundigenpraktijk", "--ura", "01234567"], gatewayURL)
        #expect(added.status == 0, "\(added.error)")
        #expect(try MultiNodeTests.cli(["audit", "verify"], gatewayURL).output.hasPrefix("audit log OK: 1 lines"))
        // The operator console's writes: a password, sessions written, replaced and removed.
        let store = try await PostgresMessageStore.open(url: gatewayURL)
        let line = AuditEntry(time: "2026-11-25T10:00:00Z", actor: "test", event: "operator.add", action: "U", object: "operator:anna", outcome: "success")
        try await store.addOperator(Operator(id: "anna", name: "Anna", createdAt: "2026-11-25T10:00:00Z"), tokenHash: "h", audit: line)
        #expect(try await store.setOperatorPassword(id: "anna", passwordHash: "$2b$04$x", audit: line))
        try await store.putSession(keyHash: "k", value: "v1", expiresAt: "2999-01-01T00:00:00Z")
        try await store.putSession(keyHash: "k", value: "v2", expiresAt: "2999-01-01T00:00:00Z")
        #expect(try await store.session(keyHash: "k", now: "2026-11-25T10:00:00Z") == "v2")
        try await store.removeSession(keyHash: "k")
        #expect(try await store.session(keyHash: "k", now: "2026-11-25T10:00:00Z") == nil)
        try await store.close()
        await #expect(throws: (any Error).self) { try await PostgresMessageStore.execute(url: gatewayURL, ["DELETE FROM audit_log"]) }
        await #expect(throws: (any Error).self) {
            try await PostgresMessageStore.execute(url: gatewayURL, ["SET perigate.purge = 'on'", "DELETE FROM audit_log"])
        }
        await #expect(throws: (any Error).self) { try await PostgresMessageStore.execute(url: gatewayURL, ["TRUNCATE audit_log"]) }
        // Lines waiting to be sealed leave only through perigate_seal: the role cannot take one
        // out, not even by setting the flag the sealing round sets.
        for statements in [["DELETE FROM audit_pending"], ["TRUNCATE audit_pending"], ["UPDATE audit_pending SET template = '{}'"],
                           ["SET perigate.seal = 'on'", "DELETE FROM audit_pending"]] {
            await #expect(throws: (any Error).self, "\(statements)") { try await PostgresMessageStore.execute(url: gatewayURL, statements) }
        }
        // Lines enter the chain only through the sealing function: the role cannot write a chain
        // row (which could block every later round, or forge a line), choose a pending row's
        // position, or call the function's body with a lock key of its choice.
        await #expect(throws: (any Error).self) {
            try await PostgresMessageStore.execute(url: gatewayURL, ["INSERT INTO audit_log (seq, line, prev_hash, hash, pending_position) VALUES (1000, '{}', 'x', 'y', 1000)"])
        }
        await #expect(throws: (any Error).self) {
            try await PostgresMessageStore.execute(url: gatewayURL, [#"INSERT INTO audit_pending (position, template) VALUES (1000000, '{"time":"2026-11-25T10:00:00Z"}')"#])
        }
        await #expect(throws: (any Error).self) { try await PostgresMessageStore.execute(url: gatewayURL, ["SELECT perigate_seal(10, 1)"]) }
        // Nor put in a row that no round can seal (it would stop every round after it): no line
        // template, over 64 KiB, or a client too large for audit_log's index.
        func refusal(_ statements: [String]) async -> String? {
            do {
                try await PostgresMessageStore.execute(url: gatewayURL, statements)
                return nil
            } catch {
                return PostgresMessageStore.explain(error)
            }
        }
        let huge = String(repeating: "x", count: 70_000), bigClient = (0..<3_000).map { _ in String(Int.random(in: 0...9)) }.joined()
        for template in [#"{"time":"2026-11-25T10:00:00Z"}"#, #"{"sequence":0,"time":"2026-11-25T10:00:00Z","detail":"\#(huge)"}"#,
                         #"{"sequence":0,"time":"2026-11-25T10:00:00Z","client":"\#(bigClient)"}"#] {
            let refused = await refusal(["INSERT INTO audit_pending (template) VALUES ('\(template)')"])
            #expect(refused?.hasSuffix("(SQLSTATE 23514)") == true, "\(template.prefix(60)): \(refused ?? "taken")")
        }
        // Nor take or keep the chain lock (which would stop every node's sealing), nor write the
        // migration or purge ledgers.
        for statement in ["SELECT 1 FROM audit_chain_lock FOR UPDATE", "SELECT 1 FROM audit_chain_lock FOR KEY SHARE",
                          "INSERT INTO schema_migrations (version, name) VALUES (99, 'x')",
                          "INSERT INTO audit_purges (up_to, anchor_hash, anchor_time, time) VALUES (1, 'a', 't', 't')"] {
            let refused = await refusal([statement])
            #expect(refused?.hasSuffix("(SQLSTATE 42501)") == true, "\(statement): \(refused ?? "taken")")
        }
        try await PostgresMessageStore.execute(url: gatewayURL, ["SELECT perigate_seal(10)"])
        // A role without the grants (PUBLIC) cannot run a round at all.
        let stranger = "stranger_\(suffix)"
        try await PostgresMessageStore.execute(url: server, ["CREATE ROLE \(stranger) LOGIN PASSWORD 'stranger-pw'"])
        await #expect(throws: (any Error).self) { try await PostgresMessageStore.execute(url: url(stranger, "stranger-pw"), ["SELECT perigate_seal(10)"]) }
        try await PostgresMessageStore.execute(url: ownerURL, ["ALTER TABLE audit_pending DISABLE TRIGGER audit_pending_sealed_only",
                                                               "DELETE FROM audit_pending", "ALTER TABLE audit_pending ENABLE TRIGGER audit_pending_sealed_only"])
        // The lines written above through the store directly are signed as serve would sign them.
        #expect(try MultiNodeTests.cli(["audit", "checkpoint"], gatewayURL).status == 0)
        #expect(try MultiNodeTests.cli(["audit", "verify"], gatewayURL).output.contains("OK"))
    }
}
