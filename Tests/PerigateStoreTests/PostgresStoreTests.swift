import Foundation
import Testing
import PerigateCore
import PerigateSQLite
import PerigateTestSupport
@testable import PerigatePostgres

/// PostgreSQL specifics: two stores on one database stand for two gateway nodes.
@Suite("PostgreSQL store specifics", .enabled(if: PostgresTestDatabase.serverURL != nil, "no test PostgreSQL (scripts/test.sh starts one)"))
struct PostgresStoreTests {
    @Test("two nodes accepting at once write one audit chain that verifies; each message is stored once")
    func twoNodesOneChain() async throws {
        let url = try await PostgresTestDatabase.create()
        let nodeA = try await PostgresMessageStore.open(url: url, auditSource: AuditSource(instance: "node-a", site: "test"))
        let nodeB = try await PostgresMessageStore.open(url: url, auditSource: AuditSource(instance: "node-b", site: "test"))
        let template = try MessageStoreConformanceTests.sample("valid/kraamzorgoverdracht-1-prenataal.xml")
        try await withThrowingTaskGroup(of: AcceptOutcome.self) { group in
            for index in 0..<60 {
                var message = template
                message.id = "node-test-\(index % 40)"  // 20 offered to both nodes
                let store = index.isMultiple(of: 2) ? nodeA : nodeB
                group.addTask { try await store.accept(message, audit: [MessageStoreConformanceTests.audit("message:\(message.id)")]) }
            }
            var stored = 0
            for try await outcome in group where outcome == .stored { stored += 1 }
            #expect(stored == 40)
        }
        let lines = try await nodeA.auditEntries(after: 0, limit: 1000)
        #expect(lines.map(\.sequence) == Array(1...60))
        #expect(Set(lines.compactMap(\.source?.instance)) == ["node-a", "node-b"])
        let verification = try await nodeB.verifyAuditChain()
        #expect(verification.problem == nil && verification.lines == 60)
        // Sealing rounds held the chain lock, each node counted its own: at most 60 rounds (a
        // round seals the lines of both nodes that are pending), with a held time.
        let a = nodeA.chainLockMeter.current, b = nodeB.chainLockMeter.current
        #expect(a.sections + b.sections <= 60 && a.sections > 0 && b.sections > 0)
        #expect(a.lines + b.lines == 60, "every line sealed once, by one round of one of the nodes")
        #expect(a.held > .zero && b.held > .zero && a.held + b.held < .seconds(60))
        try await nodeA.close()
        try await nodeB.close()
    }

    @Test("group commit: two nodes accepting 17 women's messages at once store each once, her record gets every one, the chain verifies")
    func groupCommit() async throws {
        let url = try await PostgresTestDatabase.create()
        let nodeA = try await PostgresMessageStore.open(url: url, auditSource: AuditSource(instance: "node-a", site: "test"))
        let nodeB = try await PostgresMessageStore.open(url: url, auditSource: AuditSource(instance: "node-b", site: "test"))
        let names = try FileManager.default.contentsOfDirectory(atPath: TestSupport.samples.appendingPathComponent("valid").path)
            .filter { $0.hasSuffix(".xml") }.sorted()
        let samples = try names.map { try MessageStoreConformanceTests.sample("valid/" + $0) }
        var messages: [StoredMessage] = []
        for round in 0..<4 {
            for (index, sample) in samples.enumerated() {
                var message = sample
                message.id = "group-\(round)-\(index)"
                if round == 1, let bsn = message.bsn {
                    message.exchangeConsent = ExchangeConsent(bsn: bsn, status: .given, date: "2026-11-20", recordedAt: message.receivedAt,
                                                              recordedBy: "ura:01234567", messageId: message.id)
                }
                messages.append(message)
            }
        }
        // One message offered to both nodes twice, and once with other bytes: one stored, the rest
        // duplicates and one conflict, whichever group of whichever node wins.
        var altered = messages[0]
        altered.raw.append(contentsOf: Array("\n".utf8))
        let offers = messages + [messages[0], messages[0], altered]
        let outcomes = try await withThrowingTaskGroup(of: (String, AcceptOutcome).self) { group in
            for (index, message) in offers.enumerated() {
                let store = index.isMultiple(of: 2) ? nodeA : nodeB
                group.addTask { (message.id, try await store.accept(message, audit: [MessageStoreConformanceTests.audit("message:\(message.id)")])) }
            }
            return try await group.reduce(into: [(String, AcceptOutcome)]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0.1 == .stored }.count == messages.count)
        let repeats = outcomes.filter { $0.0 == messages[0].id }.map { MessageStoreConformanceTests.withoutFacts($0.1) }
        let original = MessageStoreConformanceTests.withoutFacts(messages[0])
        #expect(repeats.filter { $0 == .stored }.count == 1)
        #expect(repeats.filter { $0 == .duplicate(original) }.count + repeats.filter { $0 == .conflict(original) }.count == 3)
        #expect(try await nodeA.message(id: messages[0].id)?.raw == messages[0].raw)
        // Her row counts every message of hers once; the record took each as a source.
        var perWoman: [String: Int] = [:]
        for message in messages { if let bsn = message.bsn { perWoman[bsn, default: 0] += 1 } }
        #expect(perWoman.count > 5)
        for (bsn, count) in perWoman {
            #expect(try await nodeB.clientIndex(bsn: bsn)?.version == count, "\(bsn)")
            #expect(try await nodeA.messages(bsn: bsn).count == count, "\(bsn)")
        }
        let consents = messages.compactMap(\.exchangeConsent)
        #expect(!consents.isEmpty)
        for bsn in Set(consents.map(\.bsn)) {
            #expect(try await nodeA.consents(bsn: bsn).count == consents.filter { $0.bsn == bsn }.count)
        }
        let verification = try await nodeA.verifyAuditChain()
        #expect(verification.problem == nil && verification.lines == offers.count)
        // Grouped: fewer chain-lock sections than messages.
        let sections = nodeA.chainLockMeter.current.sections + nodeB.chainLockMeter.current.sections
        #expect(sections > 0 && sections < offers.count, "\(sections) sections for \(offers.count) accepts")
        #expect(nodeA.chainLockMeter.current.lines + nodeB.chainLockMeter.current.lines == offers.count)
        try await nodeA.close()
        try await nodeB.close()
    }

    /// Ways one message can make the group's transaction fail while the database answers.
    enum BadItem: String, CaseIterable, Sendable {
        /// PostgreSQL text cannot hold NUL: SQLSTATE 22021.
        case nulInText
        /// An id too large for the primary key's index entry: SQLSTATE 54000 (program limit).
        case idTooLargeForIndex
    }

    @Test("group commit: a message the database refuses fails alone; the rest of its group is stored with its audit lines",
          arguments: BadItem.allCases)
    func groupFallback(_ kind: BadItem) async throws {
        let store = try await PostgresMessageStore.open(url: try await PostgresTestDatabase.create())
        let template = try MessageStoreConformanceTests.sample("valid/verwijzing-1-hypertensie-regulier.xml")
        var good = template, bad = template, other = template
        good.id = "fallback-1"
        bad.id = "fallback-2"
        switch kind {
        case .nulInText: bad.senderURA = "0123\u{0}4567"
        case .idTooLargeForIndex:
            // Random, so the index entry cannot be compressed below PostgreSQL's 2,704-byte limit.
            bad.id = (0..<8_000).map { _ in String(UInt8.random(in: 0...15), radix: 16) }.joined()
        }
        other.id = "fallback-3"
        let items = try [good, bad, other].map { try store.acceptItem($0, audit: [MessageStoreConformanceTests.audit("message:\($0.id)")], deliveries: []) }
        let outcomes = await store.write(items)
        #expect(outcomes.count == 3)
        #expect((try? outcomes[0].get()) == .stored && (try? outcomes[2].get()) == .stored)
        #expect((try? outcomes[1].get()) == nil)
        #expect(try await store.message(id: bad.id) == nil)
        #expect(try await store.auditEntries(after: 0, limit: 10).map(\.object) == ["message:fallback-1", "message:fallback-3"])
        #expect(try await store.clientIndex(bsn: template.bsn!)?.version == 2)
        #expect(try await store.verifyAuditChain().problem == nil)
        try await store.close()
    }

    @Test("group commit: ids are compared by their bytes, as the database does: two spellings of 'é' in one group are two messages")
    func groupIdsByBytes() async throws {
        let store = try await PostgresMessageStore.open(url: try await PostgresTestDatabase.create())
        let template = try MessageStoreConformanceTests.sample("valid/verwijzing-1-hypertensie-regulier.xml")
        var composed = template, decomposed = template
        composed.id = "caf\u{E9}-1"
        decomposed.id = "cafe\u{301}-1"
        #expect(composed.id == decomposed.id)  // equal as Swift Strings, different bytes
        decomposed.raw += Data(" ".utf8)
        let items = try [composed, decomposed].map { try store.acceptItem($0, audit: [MessageStoreConformanceTests.audit("message:x")], deliveries: []) }
        let outcomes = await store.write(items)
        #expect(outcomes.map { try? $0.get() } == [.stored, .stored])
        let stored = try await store.messages(bsn: template.bsn!)
        #expect(Set(stored.map { Array($0.id.utf8) }) == [Array(composed.id.utf8), Array(decomposed.id.utf8)])
        #expect(try await store.verifyAuditChain().problem == nil)
        try await store.close()
    }

    @Test("sealing: a row put into audit_pending by hand that is no audit entry is sealed and reported (audit.foreign-line); the chain verifies on past it; reads do not show it")
    func foreignLine() async throws {
        let url = try await PostgresTestDatabase.create()
        let store = try await PostgresMessageStore.open(url: url)
        try await store.appendAudit([MessageStoreConformanceTests.audit("message:a")])
        try await PostgresMessageStore.execute(url: url, [#"INSERT INTO audit_pending (template) VALUES ('{"sequence":0,"time":"2026-11-25T10:00:00Z"}')"#])
        try await store.sealAuditNow()
        try await store.appendAudit([MessageStoreConformanceTests.audit("message:b")])
        let chain = try await store.verifyAuditChain()
        #expect(chain.problem?.cause == .foreignLine && chain.problem?.sequence == 2, "\(chain.problem.map(String.init(describing:)) ?? "no problem")")
        #expect(chain.head.sequence == 3 && chain.lines == 3)
        #expect(try await store.auditEntries(after: 0, limit: 10).map(\.object) == ["message:a", "message:b"])
        // A second "sequence": key (a nested one first, which a round would number) is refused.
        await #expect(throws: (any Error).self) {
            try await PostgresMessageStore.execute(url: url, [#"INSERT INTO audit_pending (template) VALUES ('{"a":{"sequence":0},"sequence":0,"time":"2026-11-25T10:00:00Z"}')"#])
        }
        try await store.close()
    }

    @Test("sealing: the chain lock is a row, not an advisory lock any role can hold; a round waits for it 2 s at most, fails (55P03) without making the node unready, and the next one seals")
    func sealLockTimeout() async throws {
        let url = try await PostgresTestDatabase.create()
        let holder = try await PostgresMessageStore.open(url: url), node = try await PostgresMessageStore.open(url: url)
        @Sendable func objects() async throws -> [String] { try await node.auditEntries(after: 0, limit: 10).map(\.object) }
        // Migration 11's advisory lock, held: sealing goes on.
        try await holder.transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(PostgresMessageStore.auditLock))", logger: holder.logger)
            try await node.appendAudit([MessageStoreConformanceTests.audit("message:a")])
            #expect(try await objects() == ["message:a"])
        }
        // The chain row, held (by the owner, the only role that can): the line is committed and waits.
        try await holder.transaction { connection in
            try await holder.takeChainLock(on: connection)
            try await node.appendAudit([MessageStoreConformanceTests.audit("message:b")])
            #expect(try await node.unsealedAudit().count == 1)
            let failure = await #expect(throws: (any Error).self) { _ = try await node.sealRound() }
            #expect(failure.map(PostgresMessageStore.explain)?.hasSuffix("(SQLSTATE 55P03)") == true, "\(failure.map(PostgresMessageStore.explain) ?? "")")
            // Not a failure for /ready and the checkpointer: the line waits, the age rule reports it when it gets old.
            try await node.sealAuditNow()
            #expect(await node.auditSealingProblem(now: try Date("2026-11-25T10:00:05Z", strategy: .iso8601), checkpointInterval: .seconds(60)) == nil)
            #expect(try await objects() == ["message:a"])
        }
        try await node.sealAuditNow()
        #expect(try await objects() == ["message:a", "message:b"])
        #expect(try await node.unsealedAudit().count == 0)
        #expect(try await node.verifyAuditChain().problem == nil)
        try await holder.close()
        try await node.close()
    }

    @Test("sealing: a line committed by a node that died before sealing is sealed by the next round; a pending line leaves only into the chain")
    func sealing() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let store = try await PostgresMessageStore.open(url: try await PostgresTestDatabase.create())
        try await store.appendAudit([MessageStoreConformanceTests.audit("first")])
        // A node killed after its commit, before its round: its line waits in audit_pending.
        let template = try AuditChain.template(MessageStoreConformanceTests.audit("orphan-ë"))
        try await store.execute("INSERT INTO audit_pending (template) VALUES ('\(template)')")
        #expect(try await store.unsealedAudit().count == 1)
        // The checkpointer's head read seals it first, so a checkpoint covers it.
        let signer = AuditSigner(try AuditSigningKey.loadOrCreate(path: directory.appendingPathComponent("audit.key").path))
        let file = AuditCheckpointFile(path: directory.appendingPathComponent("audit.checkpoints").path)
        let now = try Date("2026-11-25T10:00:05Z", strategy: .iso8601)
        #expect(try await AuditCheckpointer(store: store, signer: signer, local: file, witnesses: []).checkpoint(time: now).written?.sequence == 2)
        #expect(try await store.auditEntries(after: 0, limit: 10).map(\.object) == ["first", "orphan-ë"])
        #expect(try await store.unsealedAudit().count == 0)
        let evidence = AuditEvidence(trustedKeys: [signer.publicKey], local: .init(name: "checkpoint file", checkpoints: try file.read()),
                                     checkpointInterval: .seconds(60), now: now)
        let verified = try await store.verifyAudit(evidence: evidence)
        #expect(verified.problem == nil && verified.lines == 2 && verified.unsealed == 0)

        // Something that is no line template, put in by hand (past the check of migration 13,
        // as a row from before it could be): never sealed, never deletable, and once older than
        // the checkpoint interval `audit verify` names it.
        await #expect(throws: (any Error).self, "the check refuses it") {
            try await store.execute("INSERT INTO audit_pending (template) VALUES ('{\"time\":\"2026-11-25T09:00:00Z\"}')")
        }
        try await store.execute("ALTER TABLE audit_pending DROP CONSTRAINT audit_pending_sealable")
        try await store.execute("INSERT INTO audit_pending (template) VALUES ('{\"time\":\"2026-11-25T09:00:00Z\"}')")
        try await store.appendAudit([MessageStoreConformanceTests.audit("after")])
        #expect(try await store.auditEntries(after: 0, limit: 10).map(\.object) == ["first", "orphan-ë", "after"])
        #expect(try await store.unsealedAudit().count == 1)
        let stuck = try await store.verifyAudit(evidence: evidence)
        #expect(stuck.problem?.cause == .unsealed && stuck.unsealed == 1)
        #expect(try await store.unsealedAudit().notLines == 1, "the row no round takes is reported as such")
        // The sealing function (one form since migration 13) runs with the catalog's search path
        // only and its own lock timeout, and PUBLIC may not call it.
        var forms: [String] = []
        for try await (arguments, config, publicMay) in try await store.query("""
            SELECT pronargs::int, array_to_string(proconfig, ';'), has_function_privilege('public', oid, 'EXECUTE')
            FROM pg_proc WHERE proname = 'perigate_seal' ORDER BY pronargs
            """).decode((Int, String?, Bool).self) {
            forms.append("\(arguments) \(config ?? "-") \(publicMay)")
        }
        #expect(forms == ["1 search_path=pg_catalog, pg_temp;lock_timeout=2s false"])
        // A pending line cannot be deleted or changed outside a sealing round (the gateway's role
        // has no DELETE on it at all: PostgresRolesTests).
        try await store.execute("INSERT INTO audit_pending (template) VALUES ('\(try AuditChain.template(MessageStoreConformanceTests.audit("kept")))')")
        var position = 0
        for try await value in try await store.query("SELECT max(position) FROM audit_pending").decode(Int.self) { position = value }
        for statement in ["DELETE FROM audit_pending", "DELETE FROM audit_pending WHERE position = \(position)",
                          "UPDATE audit_pending SET template = 'x'"] {
            await #expect(throws: (any Error).self, "\(statement)") { try await store.execute(statement) }
        }
        #expect(try await store.unsealedAudit().count == 2)
        // The next round seals the line that is a template and leaves the other.
        _ = try await store.auditHead()
        #expect(try await store.auditEntries(after: 0, limit: 10).map(\.object) == ["first", "orphan-ë", "after", "kept"])
        #expect(try await store.unsealedAudit().count == 1)
        #expect(try await store.verifyAuditChain().problem == nil)
        try await store.close()
    }

    @Test("sealing: a round reads which lines to seal before it takes the chain lock; lines another round took meanwhile are skipped, and it reads again so its caller's lines are in")
    func sealRace() async throws {
        let url = try await PostgresTestDatabase.create()
        let holder = try await PostgresMessageStore.open(url: url), node = try await PostgresMessageStore.open(url: url)
        // This database's round waits for the lock longer than its 2 s, so that a slow machine
        // does not time it out before the test lets it go.
        try await holder.execute("ALTER FUNCTION perigate_seal(bigint) SET lock_timeout = '60s'")
        for name in ["one", "two", "three", "four"] {
            try await node.execute("INSERT INTO audit_pending (template) VALUES ('\(try AuditChain.template(MessageStoreConformanceTests.audit(name)))')")
        }
        // The owner holds the chain lock; the node's round (two lines at most) reads "one" and
        // "two" and waits for it.
        let round = try await holder.transaction { connection in
            try await holder.takeChainLock(on: connection)
            let round = Task { () -> Int in
                for try await sealed in try await node.query("SELECT sealed FROM perigate_seal(2)").decode(Int.self) { return sealed }
                return -1
            }
            var waiting = 0
            for _ in 0..<1_500 where waiting == 0 {
                try await Task.sleep(for: .milliseconds(20))
                // Read on the lock holder's own connection: the activity view read afresh each time.
                _ = try await connection.query("SELECT pg_stat_clear_snapshot()", logger: holder.logger).collect()
                for try await count in try await connection.query("""
                    SELECT count(*)::int FROM pg_stat_activity
                    WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%perigate_seal(2)%'
                    """, logger: holder.logger).decode(Int.self) { waiting = count }
            }
            #expect(waiting == 1, "the node's round waits for the chain lock")
            // Meanwhile a round under the held lock seals "one" and "two"; at the commit the
            // node's round gets the lock, finds its two lines gone and seals the next two.
            for try await sealed in try await connection.query("SELECT sealed FROM perigate_seal(2)", logger: holder.logger).decode(Int.self) {
                #expect(sealed == 2)
            }
            return round
        }
        #expect(try await round.value == 2, "a full round: the two lines after the ones taken")
        #expect(try await node.auditEntries(after: 0, limit: 10).map(\.object) == ["one", "two", "three", "four"])
        #expect(try await node.unsealedAudit().count == 0)
        #expect(try await node.verifyAuditChain().problem == nil)
        try await holder.close()
        try await node.close()
    }

    @Test("sealing: a line's client, time and organisation are copied into the chain's look-up columns; where a copy differs from the line (changed by hand, or a key repeated) audit verify names it (audit.index-mismatch), checks on past it, and checkpoints are still signed")
    func indexedColumns() async throws {
        let url = try await PostgresTestDatabase.create()
        let store = try await PostgresMessageStore.open(url: url)
        var read = MessageStoreConformanceTests.audit("bsn:999990019/record")
        read.client = "bsn:999990019"
        read.organisation = AuditOrganisation(ura: "01234567")
        try await store.appendAudit([MessageStoreConformanceTests.audit("first"), read])
        var stored: [String] = []
        for try await (client, time, ura) in try await store.query("SELECT client, time, actor_ura FROM audit_log ORDER BY seq").decode((String?, String?, String?).self) {
            stored.append("\(client ?? "-") \(time ?? "-") \(ura ?? "-")")
        }
        #expect(stored == ["- 2026-11-25T10:00:00Z -", "bsn:999990019 2026-11-25T10:00:00Z 01234567"])
        #expect(try await store.auditEntries(client: "bsn:999990019", from: nil, to: nil).map(\.object) == ["bsn:999990019/record"])
        #expect(try await store.verifyAuditChain().problem == nil)
        // Someone with the owner's rights hides the read from her access log: the hashes still
        // hold (they cover the line), the copy beside it does not match.
        try await PostgresMessageStore.execute(url: url, ["ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
                                                          "UPDATE audit_log SET client = 'bsn:999990020' WHERE seq = 2",
                                                          "ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"])
        #expect(try await store.auditEntries(client: "bsn:999990019", from: nil, to: nil).isEmpty)
        // With the gateway's database role: a line whose client key is repeated (the database
        // reads the last, the gateway the first). It must not stop verification or signing.
        let template = try AuditChain.template(read)
        let repeated = String(template.dropLast()) + #","client":"bsn:999990020"}"#
        try await store.execute("INSERT INTO audit_pending (template) VALUES ('\(repeated)')")
        try await store.appendAudit([MessageStoreConformanceTests.audit("after")])
        let tampered = try await store.verifyAuditChain()
        #expect(tampered.problem?.cause == .indexMismatch && tampered.problem?.sequence == 2, "\(tampered.problem.map(String.init(describing:)) ?? "no problem")")
        #expect(tampered.problem?.reason.hasPrefix("2 lines (2, 3)") == true, "\(tampered.problem?.reason ?? "")")
        #expect(tampered.problem?.reason.contains("999990019") == false, "no patient data in the reason")
        #expect(tampered.lines == 4 && tampered.head.sequence == 4, "checked on past them")
        let directory = try TestSupport.temporaryDirectory()
        let signer = AuditSigner(try AuditSigningKey.loadOrCreate(path: directory.appendingPathComponent("audit.key").path))
        let checkpointer = AuditCheckpointer(store: store, signer: signer,
                                             local: AuditCheckpointFile(path: directory.appendingPathComponent("audit.checkpoints").path), witnesses: [])
        let round = try await checkpointer.checkpoint(time: try Date("2026-11-25T10:00:05Z", strategy: .iso8601))
        #expect(round.tampered == nil && round.written?.sequence == 4)
        // A round without a size seals nothing and takes no lock (a NULL limit would be none).
        try await store.execute("INSERT INTO audit_pending (template) VALUES ('\(try AuditChain.template(MessageStoreConformanceTests.audit("waits")))')")
        for try await (sealed, held) in try await store.query("SELECT sealed, held_us FROM perigate_seal(NULL)").decode((Int, Double?).self) {
            #expect(sealed == 0 && held == nil)
        }
        #expect(try await store.unsealedAudit().count == 1)
        try await store.close()
    }

    @Test("the database refuses UPDATE and DELETE on the audit log and the consent ledger")
    func appendOnly() async throws {
        let store = try await PostgresMessageStore.open(url: try await PostgresTestDatabase.create())
        try await store.appendAudit([MessageStoreConformanceTests.audit("x")])
        try await store.registerConsent(ExchangeConsent(bsn: "999990019", status: .given, date: "2026-11-20", recordedAt: "2026-11-25T10:00:00Z",
                                                        recordedBy: "ura:01234567/uzi:900012345"), audit: [])
        for statement in ["UPDATE audit_log SET line = 'forged'", "DELETE FROM audit_log", "UPDATE consents SET status = 'withdrawn'",
                          "DELETE FROM consents"] {
            await #expect(throws: (any Error).self, "\(statement)") { try await store.execute(statement) }
        }
        #expect(try await store.auditEntries(after: 0, limit: 10).map(\.object) == ["x"])
        #expect(try await store.consents(bsn: "999990019").map(\.status) == [.given])
        try await store.close()
    }

    @Test("two nodes claiming from one outbox never get the same delivery; only stream heads; an expired lease frees it")
    func claims() async throws {
        let url = try await PostgresTestDatabase.create()
        let nodeA = try await PostgresMessageStore.open(url: url), nodeB = try await PostgresMessageStore.open(url: url)
        let template = try MessageStoreConformanceTests.sample("valid/kraamzorgoverdracht-1-prenataal.xml")
        // 20 clients, two deliveries each to one endpoint: 20 streams.
        for index in 0..<40 {
            var message = template
            message.id = "claim-\(index)"
            let delivery = Delivery(messageId: message.id, bsn: "client-\(index % 20)", partnerId: "p1", partnerURA: "31112222", subscriptionId: "s1",
                                    reason: "addressed", nextAttemptAt: "2026-11-25T10:00:00Z", createdAt: "2026-11-25T10:00:00Z")
            _ = try await nodeA.accept(message, audit: [], deliveries: [delivery])
        }
        let now = "2026-11-25T10:00:01Z", lease = "2026-11-25T10:01:00Z"
        async let claimedA = nodeA.claimDueHeads(now: now, leaseUntil: lease, node: "a", limit: 100)
        async let claimedB = nodeB.claimDueHeads(now: now, leaseUntil: lease, node: "b", limit: 100)
        let (a, b) = try await (claimedA, claimedB)
        #expect(Set(a.map(\.id)).isDisjoint(with: b.map(\.id)))
        #expect(a.count + b.count == 20, "one head per stream: \(a.count) + \(b.count)")
        #expect(Set((a + b).map(\.bsn)).count == 20)
        #expect(Set((a + b).map(\.messageId)) == Set((0..<20).map { "claim-\($0)" }), "the older delivery of each stream comes first")
        // Leased: nothing more to claim, the second deliveries wait behind their heads.
        #expect(try await nodeB.claimDueHeads(now: now, leaseUntil: lease, node: "b", limit: 100).isEmpty)
        // Node A records its attempts (sent): those streams move on; B's leases run out later.
        for delivery in a {
            var sent = delivery
            sent.status = "sent"
            sent.attempts = 1
            try await nodeA.recordAttempt(DeliveryAttempt(deliveryId: delivery.id, number: 1, time: now, status: 200, error: nil, milliseconds: 3),
                                          delivery: sent, subscription: nil, audit: [], events: [])
        }
        let next = try await nodeB.claimDueHeads(now: now, leaseUntil: lease, node: "b", limit: 100)
        #expect(Set(next.map(\.bsn)) == Set(a.map(\.bsn)))
        #expect(next.allSatisfy { Int($0.messageId.dropFirst(6))! >= 20 })
        // B "dies": after its lease, A takes B's heads over.
        let later = "2026-11-25T10:01:01Z"
        let takenOver = try await nodeA.claimDueHeads(now: later, leaseUntil: "2026-11-25T10:02:00Z", node: "a", limit: 100)
        #expect(Set(takenOver.map(\.id)) == Set((b + next).map(\.id)))
        try await nodeA.close()
        try await nodeB.close()
    }
}
