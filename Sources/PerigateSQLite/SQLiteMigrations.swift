/// The SQLite schema, as numbered migrations. A landed migration is never edited: add a new one.
enum SQLiteMigrations {
    struct Migration {
        var version: Int
        var name: String
        var statements: [String]
        /// Work SQL alone cannot do (e.g. hashing), run after the statements in the same transaction.
        var then: (@Sendable (SQLiteMessageStore) async throws -> Void)? = nil
    }

    static let all: [Migration] = [
        Migration(version: 1, name: "messages-and-audit", statements: [
            """
            CREATE TABLE messages (
                id TEXT PRIMARY KEY,
                received_at TEXT NOT NULL,
                kind TEXT,
                version TEXT,
                outcome TEXT NOT NULL,
                sender_ura TEXT,
                bsn TEXT,
                raw BLOB NOT NULL,
                raw_size INTEGER NOT NULL,
                report TEXT NOT NULL,
                facts TEXT
            ) STRICT
            """,
            "CREATE INDEX messages_by_bsn ON messages(bsn, received_at)",
            """
            CREATE TABLE audit (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                time TEXT NOT NULL,
                actor TEXT NOT NULL,
                event TEXT NOT NULL,
                action TEXT NOT NULL,
                object TEXT NOT NULL,
                outcome TEXT NOT NULL
            ) STRICT
            """,
            "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
            "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
        ]),
        Migration(version: 2, name: "partners", statements: [
            """
            CREATE TABLE partners (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                type TEXT NOT NULL,
                ura TEXT NOT NULL,
                agb TEXT,
                token_hash TEXT NOT NULL UNIQUE,
                created_at TEXT NOT NULL,
                revoked INTEGER NOT NULL DEFAULT 0
            ) STRICT
            """,
        ]),
        Migration(version: 3, name: "consents-and-audit-detail", statements: [
            """
            CREATE TABLE consents (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                bsn TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('given', 'withdrawn')),
                date TEXT NOT NULL,
                recorded_at TEXT NOT NULL,
                recorded_by TEXT NOT NULL
            ) STRICT
            """,
            "CREATE INDEX consents_by_bsn ON consents(bsn, seq)",
            "CREATE TRIGGER consents_no_update BEFORE UPDATE ON consents BEGIN SELECT RAISE(ABORT, 'the consent ledger is append-only'); END",
            "CREATE TRIGGER consents_no_delete BEFORE DELETE ON consents BEGIN SELECT RAISE(ABORT, 'the consent ledger is append-only'); END",
            "ALTER TABLE audit ADD COLUMN detail TEXT",
        ]),
        Migration(version: 4, name: "partner-certificates", statements: [
            "ALTER TABLE partners ADD COLUMN cert_sha256 TEXT",
            "CREATE UNIQUE INDEX partners_by_certificate ON partners(cert_sha256) WHERE cert_sha256 IS NOT NULL",
        ]),
        Migration(version: 5, name: "audit-hash-chain", statements: [
            """
            CREATE TABLE audit_log (
                seq INTEGER PRIMARY KEY,
                line TEXT NOT NULL,
                prev_hash TEXT NOT NULL,
                hash TEXT NOT NULL,
                client TEXT GENERATED ALWAYS AS (json_extract(line, '$.client')) VIRTUAL,
                time TEXT GENERATED ALWAYS AS (json_extract(line, '$.time')) VIRTUAL,
                actor_ura TEXT GENERATED ALWAYS AS (json_extract(line, '$.organisation.ura')) VIRTUAL
            ) STRICT
            """,
            "CREATE INDEX audit_log_by_client ON audit_log(client, seq)",
            "CREATE INDEX audit_log_by_time ON audit_log(time)",
            "CREATE INDEX audit_log_by_actor ON audit_log(actor_ura, seq)",
            """
            CREATE TABLE audit_purges (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                up_to INTEGER NOT NULL,
                anchor_hash TEXT NOT NULL,
                anchor_time TEXT NOT NULL,
                time TEXT NOT NULL
            ) STRICT
            """,
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
            """
            CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
            WHEN OLD.seq > COALESCE((SELECT MAX(up_to) FROM audit_purges), 0)
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END
            """,
            "CREATE TRIGGER audit_purges_no_update BEFORE UPDATE ON audit_purges BEGIN SELECT RAISE(ABORT, 'purges are append-only'); END",
            "CREATE TRIGGER audit_purges_no_delete BEFORE DELETE ON audit_purges BEGIN SELECT RAISE(ABORT, 'purges are append-only'); END",
        ], then: { store in try await store.moveLegacyAuditIntoChain() }),
        Migration(version: 6, name: "client-credentials", statements: [
            """
            CREATE TABLE client_credentials (
                id TEXT PRIMARY KEY,
                bsn TEXT NOT NULL,
                token_hash TEXT NOT NULL UNIQUE,
                created_at TEXT NOT NULL,
                revoked INTEGER NOT NULL DEFAULT 0
            ) STRICT
            """,
        ]),
        Migration(version: 7, name: "subscriptions-and-outbox", statements: [
            """
            CREATE TABLE subscriptions (
                id TEXT PRIMARY KEY,
                partner_id TEXT NOT NULL,
                body TEXT NOT NULL,
                created_at TEXT NOT NULL
            ) STRICT
            """,
            """
            CREATE TABLE deliveries (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE,
                message_id TEXT NOT NULL,
                bsn TEXT NOT NULL,
                partner_id TEXT NOT NULL,
                subscription_id TEXT,
                status TEXT NOT NULL,
                next_attempt_at TEXT NOT NULL,
                body TEXT NOT NULL
            ) STRICT
            """,
            "CREATE INDEX deliveries_inbox ON deliveries(partner_id, status, seq) WHERE subscription_id IS NULL",
            "CREATE INDEX deliveries_due ON deliveries(status, next_attempt_at) WHERE subscription_id IS NOT NULL",
            """
            CREATE TABLE delivery_attempts (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                delivery_id TEXT NOT NULL,
                body TEXT NOT NULL
            ) STRICT
            """,
            "CREATE INDEX delivery_attempts_by_delivery ON delivery_attempts(delivery_id, seq)",
        ]),
        Migration(version: 8, name: "operators", statements: [
            """
            CREATE TABLE operators (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                token_hash TEXT NOT NULL UNIQUE,
                created_at TEXT NOT NULL,
                revoked INTEGER NOT NULL DEFAULT 0
            ) STRICT
            """,
        ]),
        // Consent registered by message (kind `toestemming`) names that message.
        Migration(version: 9, name: "consent-by-message", statements: [
            "ALTER TABLE consents ADD COLUMN message_id TEXT",
        ]),
        // The operator console: roles and passwords, server-side sessions, search by time.
        Migration(version: 10, name: "operator-console", statements: [
            "ALTER TABLE operators ADD COLUMN role TEXT NOT NULL DEFAULT 'operator'",
            "ALTER TABLE operators ADD COLUMN password_hash TEXT",
            "CREATE TABLE console_sessions (key_hash TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at TEXT NOT NULL) STRICT",
            "CREATE INDEX messages_by_time ON messages(received_at)",
        ]),
        // Her own confirmations of organisations in her care team (client portal), append-only;
        // the registered partner that sent each message (message ids are per sender).
        Migration(version: 11, name: "care-confirmations-and-sender-partner", statements: [
            "ALTER TABLE messages ADD COLUMN sender_partner TEXT",
            """
            CREATE TABLE care_confirmations (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                bsn TEXT NOT NULL,
                ura TEXT NOT NULL,
                confirmed_at TEXT NOT NULL,
                confirmed_by TEXT NOT NULL
            ) STRICT
            """,
            "CREATE INDEX care_confirmations_by_bsn ON care_confirmations(bsn, seq)",
            "CREATE TRIGGER care_confirmations_no_update BEFORE UPDATE ON care_confirmations BEGIN SELECT RAISE(ABORT, 'the care confirmations are append-only'); END",
            "CREATE TRIGGER care_confirmations_no_delete BEFORE DELETE ON care_confirmations BEGIN SELECT RAISE(ABORT, 'the care confirmations are append-only'); END",
        ]),
        // A purge record is signed with the checkpoint key (docs/audit.md "Retention").
        Migration(version: 12, name: "signed-purges", statements: [
            "ALTER TABLE audit_purges ADD COLUMN public_key TEXT",
            "ALTER TABLE audit_purges ADD COLUMN signature TEXT",
        ]),
        // Kernset messages name organisations by their Perined LVR id (docs/national-standards.md).
        Migration(version: 13, name: "partner-lvr", statements: [
            "ALTER TABLE partners ADD COLUMN lvr TEXT",
        ]),
        // Her record is stored, not re-derived on every read (docs/canonical-record.md, "Stored
        // record"): the index and merged record per client, the record's sources as rows; the
        // messages' facts column (migration 1) is filled from now on. Clients stored before get
        // their rows when the gateway starts (`ClientRecords.fillMissing`).
        Migration(version: 14, name: "stored-records", statements: [
            """
            CREATE TABLE client_records (
                bsn TEXT PRIMARY KEY,
                version INTEGER NOT NULL,
                client_index TEXT,
                state BLOB,
                state_size INTEGER
            ) STRICT
            """,
            """
            CREATE TABLE record_sources (
                bsn TEXT NOT NULL,
                position INTEGER NOT NULL,
                body TEXT NOT NULL,
                PRIMARY KEY (bsn, position)
            ) STRICT, WITHOUT ROWID
            """,
        ]),
        // A record read after a new message reads only the source rows it does not hold yet;
        // the version of the last rebuild tells it the rows it holds were not rewritten since.
        Migration(version: 15, name: "record-rebuilt-version", statements: [
            "ALTER TABLE client_records ADD COLUMN rebuilt_version INTEGER NOT NULL DEFAULT 0",
        ]),
    ]
}
