/// The PostgreSQL schema, as numbered migrations (their own numbering, independent of SQLite's).
/// A landed migration is never edited: add a new one. Each runs in one transaction.
enum PostgresMigrations {
    struct Migration {
        var version: Int
        var name: String
        var statements: [String]
    }

    /// Refuses UPDATE and DELETE on append-only tables. A purge of audit lines older than the
    /// retention period sets `perigate.purge` for its own transaction (and records itself).
    static let appendOnlyFunction = """
        CREATE FUNCTION perigate_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_log' AND current_setting('perigate.purge', true) = 'on' THEN
                RETURN OLD;
            END IF;
            RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
        END $$
        """

    static func appendOnly(_ table: String) -> String {
        "CREATE TRIGGER \(table)_append_only BEFORE UPDATE OR DELETE ON \(table) FOR EACH ROW EXECUTE FUNCTION perigate_append_only()"
    }

    /// One sealing round as one statement (``PostgresMessageStore/sealRound()``): the chain lock
    /// is taken inside it and released at its commit (called on its own, as the gateway does; it
    /// commits without waiting for the flush), so it is held for the server's own work only — no
    /// round trip. `SECURITY DEFINER`: it runs with the rights of its owner (the role that
    /// migrates), so the gateway's role can seal without DELETE on `audit_pending`; every table is
    /// named with its schema. It chains exactly as `AuditChain.rows(forTemplates:after:)`: the
    /// sequence number put in at the first `"sequence":0` (which must be followed by `,` or `}`),
    /// `hash = hex(SHA-256(previous + "\n" + line))` over UTF-8. Every test that verifies a
    /// PostgreSQL chain checks the two agree. Returns the lines sealed and the lock's held and wait
    /// times (microseconds, by the server's clock). `header` names the function; `lock` takes
    /// the chain lock (migration 11: an advisory lock; migration 13: the row of `audit_chain_lock`).
    static func sealFunction(header: String, lock: String) -> String {
        """
        \(header)
        LANGUAGE plpgsql SECURITY DEFINER AS $$
        DECLARE
            asked timestamptz := clock_timestamp();
            taken timestamptz;
            head_seq bigint;
            head_hash text;
            pending record;
            line text;
            seqs bigint[] := '{}';
            lines text[] := '{}';
            previous text[] := '{}';
            hashes text[] := '{}';
            positions bigint[] := '{}';
        BEGIN
            sealed := 0;
            -- Nothing pending (another node's round sealed it): no lock taken.
            IF NOT EXISTS (SELECT 1 FROM public.audit_pending) THEN
                RETURN;
            END IF;
            PERFORM pg_catalog.set_config('synchronous_commit', 'off', true);
            \(lock)
            taken := clock_timestamp();
            SELECT l.seq, l.hash INTO head_seq, head_hash FROM public.audit_log l ORDER BY l.seq DESC LIMIT 1;
            IF NOT FOUND THEN
                SELECT p.up_to, p.anchor_hash INTO head_seq, head_hash FROM public.audit_purges p ORDER BY p.seq DESC LIMIT 1;
                IF NOT FOUND THEN
                    head_seq := 0;
                    head_hash := repeat('0', 64);
                END IF;
            END IF;
            FOR pending IN
                SELECT a.position, a.template FROM public.audit_pending a
                WHERE strpos(a.template, '"sequence":0') > 0
                  AND substr(a.template, strpos(a.template, '"sequence":0') + 12, 1) IN (',', '}')
                ORDER BY a.position LIMIT round_size
            LOOP
                head_seq := head_seq + 1;
                line := overlay(pending.template placing '"sequence":' || head_seq::text from strpos(pending.template, '"sequence":0') for 12);
                seqs := seqs || head_seq;
                lines := lines || line;
                previous := previous || head_hash;
                head_hash := encode(sha256(convert_to(head_hash || E'\n' || line, 'UTF8')), 'hex');
                hashes := hashes || head_hash;
                positions := positions || pending.position;
            END LOOP;
            sealed := coalesce(array_length(seqs, 1), 0);
            IF sealed > 0 THEN
                INSERT INTO public.audit_log (seq, line, prev_hash, hash, pending_position)
                SELECT * FROM unnest(seqs, lines, previous, hashes, positions);
                PERFORM pg_catalog.set_config('perigate.seal', 'on', true);
                DELETE FROM public.audit_pending WHERE position = ANY(positions);
                PERFORM pg_catalog.set_config('perigate.seal', 'off', true);
            END IF;
            held_us := extract(epoch FROM clock_timestamp() - taken) * 1000000;
            waited_us := extract(epoch FROM taken - asked) * 1000000;
        END $$
        """
    }

    /// Migration 11's round: the chain lock an advisory lock with the key the caller names.
    static let advisorySealFunction = sealFunction(header: """
        CREATE FUNCTION perigate_seal(round_size bigint, chain_lock bigint,
                                      OUT sealed integer, OUT held_us double precision, OUT waited_us double precision)
        """, lock: "PERFORM pg_catalog.pg_advisory_xact_lock(chain_lock);")

    /// Migration 13's round, the one the gateway calls: the chain lock is the one row of
    /// `audit_chain_lock`, which only the owner may lock (an advisory lock any role can take and
    /// hold); a round waits for it at most ``PostgresMessageStore/sealLockTimeout`` and then
    /// fails (SQLSTATE 55P03), so a held lock delays sealing — visible on `/ready` and in
    /// `perigate_audit_unsealed_oldest_age_seconds` — but never a caller for longer.
    static let rowLockSealFunction = sealFunction(header: """
        CREATE OR REPLACE FUNCTION perigate_seal(round_size bigint,
                                                 OUT sealed integer, OUT held_us double precision, OUT waited_us double precision)
        """, lock: "PERFORM 1 FROM public.audit_chain_lock FOR UPDATE;")

    /// Migration 14's round. The same chain as before (``sealFunction(header:lock:)``: numbers put
    /// in at the first `"sequence":0`, `hash = hex(SHA-256(previous + "\n" + line))`), with less
    /// done under the chain lock:
    /// - Which lines to seal is read **before** the lock: finding the oldest pending lines walks
    ///   past the index entries of lines sealed since the last vacuum, and that walk no longer
    ///   holds up every node. Under the lock the round moves exactly those rows out (`DELETE …
    ///   RETURNING`, by position). Rows another round moved meanwhile are not there any more; when
    ///   that left the round short of a full one, it reads again, under the lock, so a full round
    ///   still means "there may be more" and a caller's lines are in the chain when it returns.
    /// - `client`, `time` and `organisation.ura` are parsed from the line when it is committed to
    ///   `audit_pending` (its generated columns), not again when it enters `audit_log` (three
    ///   `jsonb` parses of a 1 KB line, ~23 µs, were most of a line's cost under the lock).
    ///   `audit verify` checks they are the line's own (`audit.index-mismatch`).
    /// - The trigger that keeps pending lines in runs once per statement, not once per row.
    /// Nothing pending, or no round size (NULL, below 1): no lock taken, and no times returned.
    static let offLockSealFunction = """
        CREATE OR REPLACE FUNCTION perigate_seal(round_size bigint,
                                                 OUT sealed integer, OUT held_us double precision, OUT waited_us double precision)
        LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp
        SET lock_timeout = '\(PostgresMessageStore.sealLockTimeout.components.seconds)s'
        AS $$
        DECLARE
            asked timestamptz := clock_timestamp();
            taken timestamptz;
            head_seq bigint;
            head_hash text;
            wanted bigint := round_size;
            candidates bigint[];
            listed integer;
            moved integer;
            positions bigint[]; templates text[]; clients text[]; times text[]; actors text[];
            seqs bigint[]; lines text[]; previous text[]; hashes text[];
        BEGIN
            sealed := 0;
            -- No size (a NULL would make LIMIT unlimited and the loop below endless): nothing sealed.
            IF round_size IS NULL OR round_size < 1 THEN
                RETURN;
            END IF;
            LOOP
                SELECT array_agg(c.position ORDER BY c.position) INTO candidates FROM (
                    SELECT a.position FROM public.audit_pending a
                    WHERE \(PostgresMessageStore.sealable)
                    ORDER BY a.position LIMIT wanted) c;
                listed := coalesce(cardinality(candidates), 0);
                EXIT WHEN listed = 0;
                IF taken IS NULL THEN
                    PERFORM set_config('synchronous_commit', 'off', true);
                    PERFORM 1 FROM public.audit_chain_lock FOR UPDATE;
                    taken := clock_timestamp();
                    SELECT l.seq, l.hash INTO head_seq, head_hash FROM public.audit_log l ORDER BY l.seq DESC LIMIT 1;
                    IF NOT FOUND THEN
                        SELECT p.up_to, p.anchor_hash INTO head_seq, head_hash FROM public.audit_purges p ORDER BY p.seq DESC LIMIT 1;
                        IF NOT FOUND THEN
                            head_seq := 0;
                            head_hash := repeat('0', 64);
                        END IF;
                    END IF;
                END IF;
                PERFORM set_config('perigate.seal', 'on', true);
                WITH gone AS (
                    DELETE FROM public.audit_pending a WHERE a.position = ANY(candidates)
                    RETURNING a.position, a.template, a.client, a.time, a.actor_ura)
                SELECT array_agg(g.position ORDER BY g.position), array_agg(g.template ORDER BY g.position),
                       array_agg(g.client ORDER BY g.position), array_agg(g.time ORDER BY g.position),
                       array_agg(g.actor_ura ORDER BY g.position)
                INTO positions, templates, clients, times, actors FROM gone g;
                PERFORM set_config('perigate.seal', 'off', true);
                moved := coalesce(cardinality(positions), 0);
                seqs := '{}'; lines := '{}'; previous := '{}'; hashes := '{}';
                FOR i IN 1..moved LOOP
                    head_seq := head_seq + 1;
                    seqs[i] := head_seq;
                    lines[i] := overlay(templates[i] placing '"sequence":' || head_seq::text from strpos(templates[i], '"sequence":0') for 12);
                    previous[i] := head_hash;
                    head_hash := encode(sha256(convert_to(head_hash || E'\\n' || lines[i], 'UTF8')), 'hex');
                    hashes[i] := head_hash;
                END LOOP;
                IF moved > 0 THEN
                    INSERT INTO public.audit_log (seq, line, prev_hash, hash, pending_position, client, time, actor_ura)
                    SELECT * FROM unnest(seqs, lines, previous, hashes, positions, clients, times, actors);
                END IF;
                sealed := sealed + moved;
                wanted := wanted - moved;
                -- Done when the lines read were all there were, or the round is full; otherwise
                -- another round took some of them first: read again (under the lock now).
                EXIT WHEN listed < wanted + moved OR wanted = 0;
            END LOOP;
            IF taken IS NOT NULL THEN
                held_us := extract(epoch FROM clock_timestamp() - taken) * 1000000;
                waited_us := extract(epoch FROM taken - asked) * 1000000;
            END IF;
        END $$
        """

    static let all: [Migration] = [
        Migration(version: 1, name: "messages-consents-audit", statements: [
            appendOnlyFunction,
            """
            CREATE TABLE messages (
                seq BIGSERIAL UNIQUE,
                id TEXT PRIMARY KEY,
                received_at TEXT NOT NULL,
                kind TEXT,
                version TEXT,
                outcome TEXT NOT NULL,
                sender_ura TEXT,
                bsn TEXT,
                raw BYTEA NOT NULL,
                raw_size INTEGER NOT NULL,
                report TEXT NOT NULL
            )
            """,
            "CREATE INDEX messages_by_bsn ON messages(bsn, seq)",
            """
            CREATE TABLE consents (
                seq BIGSERIAL PRIMARY KEY,
                bsn TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('given', 'withdrawn')),
                date TEXT NOT NULL,
                recorded_at TEXT NOT NULL,
                recorded_by TEXT NOT NULL,
                message_id TEXT
            )
            """,
            "CREATE INDEX consents_by_bsn ON consents(bsn, seq)",
            appendOnly("consents"),
            """
            CREATE TABLE audit_log (
                seq BIGINT PRIMARY KEY,
                line TEXT NOT NULL,
                prev_hash TEXT NOT NULL,
                hash TEXT NOT NULL,
                client TEXT GENERATED ALWAYS AS ((line::jsonb) ->> 'client') STORED,
                time TEXT GENERATED ALWAYS AS ((line::jsonb) ->> 'time') STORED,
                actor_ura TEXT GENERATED ALWAYS AS ((line::jsonb) -> 'organisation' ->> 'ura') STORED
            )
            """,
            "CREATE INDEX audit_log_by_client ON audit_log(client, seq)",
            "CREATE INDEX audit_log_by_time ON audit_log(time)",
            "CREATE INDEX audit_log_by_actor ON audit_log(actor_ura, seq)",
            appendOnly("audit_log"),
            """
            CREATE TABLE audit_purges (
                seq BIGSERIAL PRIMARY KEY,
                up_to BIGINT NOT NULL,
                anchor_hash TEXT NOT NULL,
                anchor_time TEXT NOT NULL,
                time TEXT NOT NULL
            )
            """,
            appendOnly("audit_purges"),
        ]),
        Migration(version: 2, name: "partners-credentials-operators", statements: [
            """
            CREATE TABLE partners (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                type TEXT NOT NULL,
                ura TEXT NOT NULL,
                agb TEXT,
                token_hash TEXT NOT NULL UNIQUE,
                created_at TEXT NOT NULL,
                revoked BOOLEAN NOT NULL DEFAULT false,
                cert_sha256 TEXT UNIQUE
            )
            """,
            """
            CREATE TABLE client_credentials (
                id TEXT PRIMARY KEY,
                bsn TEXT NOT NULL,
                token_hash TEXT NOT NULL UNIQUE,
                created_at TEXT NOT NULL,
                revoked BOOLEAN NOT NULL DEFAULT false
            )
            """,
            """
            CREATE TABLE operators (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                token_hash TEXT NOT NULL UNIQUE,
                created_at TEXT NOT NULL,
                revoked BOOLEAN NOT NULL DEFAULT false
            )
            """,
        ]),
        Migration(version: 3, name: "subscriptions-and-outbox", statements: [
            "CREATE TABLE subscriptions (id TEXT PRIMARY KEY, partner_id TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL)",
            """
            CREATE TABLE deliveries (
                seq BIGSERIAL PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                message_id TEXT NOT NULL,
                bsn TEXT NOT NULL,
                partner_id TEXT NOT NULL,
                subscription_id TEXT,
                status TEXT NOT NULL,
                next_attempt_at TEXT NOT NULL,
                body TEXT NOT NULL
            )
            """,
            "CREATE INDEX deliveries_inbox ON deliveries(partner_id, status, seq) WHERE subscription_id IS NULL",
            "CREATE INDEX deliveries_due ON deliveries(status, next_attempt_at) WHERE subscription_id IS NOT NULL",
            "CREATE INDEX deliveries_by_message ON deliveries(message_id, seq)",
            "CREATE TABLE delivery_attempts (seq BIGSERIAL PRIMARY KEY, delivery_id TEXT NOT NULL, body TEXT NOT NULL)",
            "CREATE INDEX delivery_attempts_by_delivery ON delivery_attempts(delivery_id, seq)",
            appendOnly("delivery_attempts"),
        ]),
        // Several nodes deliver from one outbox: a claimed stream head carries a lease.
        Migration(version: 4, name: "delivery-leases", statements: [
            "ALTER TABLE deliveries ADD COLUMN lease_until TEXT, ADD COLUMN leased_by TEXT",
        ]),
        // The operator console: roles and passwords, server-side sessions, search by time.
        Migration(version: 5, name: "operator-console", statements: [
            "ALTER TABLE operators ADD COLUMN role TEXT NOT NULL DEFAULT 'operator', ADD COLUMN password_hash TEXT",
            "CREATE TABLE console_sessions (key_hash TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at TEXT NOT NULL)",
            "CREATE INDEX messages_by_time ON messages(received_at)",
        ]),
        // Her own confirmations of organisations in her care team (client portal), append-only;
        // the registered partner that sent each message (message ids are per sender).
        Migration(version: 6, name: "care-confirmations-and-sender-partner", statements: [
            "ALTER TABLE messages ADD COLUMN sender_partner TEXT",
            """
            CREATE TABLE care_confirmations (
                seq BIGSERIAL PRIMARY KEY,
                bsn TEXT NOT NULL,
                ura TEXT NOT NULL,
                confirmed_at TEXT NOT NULL,
                confirmed_by TEXT NOT NULL
            )
            """,
            "CREATE INDEX care_confirmations_by_bsn ON care_confirmations(bsn, seq)",
            appendOnly("care_confirmations"),
        ]),
        // A purge record is signed with the checkpoint key (docs/audit.md "Retention").
        Migration(version: 7, name: "signed-purges", statements: [
            "ALTER TABLE audit_purges ADD COLUMN public_key TEXT, ADD COLUMN signature TEXT",
        ]),
        // Kernset messages name organisations by their Perined LVR id (docs/national-standards.md).
        Migration(version: 8, name: "partner-lvr", statements: [
            "ALTER TABLE partners ADD COLUMN lvr TEXT",
        ]),
        // Her record is stored, not re-derived on every read (docs/canonical-record.md, "Stored
        // record"): each message's facts, the index and merged record per client, the record's
        // sources as rows. Clients stored before get their rows when the gateway starts.
        Migration(version: 9, name: "stored-records", statements: [
            "ALTER TABLE messages ADD COLUMN facts TEXT",
            """
            CREATE TABLE client_records (
                bsn TEXT PRIMARY KEY,
                version BIGINT NOT NULL,
                client_index TEXT,
                state BYTEA,
                state_size INTEGER
            )
            """,
            """
            CREATE TABLE record_sources (
                bsn TEXT NOT NULL,
                position BIGINT NOT NULL,
                body TEXT NOT NULL,
                PRIMARY KEY (bsn, position)
            )
            """,
        ]),
        // A record read after a new message reads only the source rows it does not hold yet;
        // the version of the last rebuild tells it the rows it holds were not rewritten since.
        Migration(version: 10, name: "record-rebuilt-version", statements: [
            "ALTER TABLE client_records ADD COLUMN rebuilt_version BIGINT NOT NULL DEFAULT 0",
        ]),
        // Audit lines are committed to `audit_pending` without a lock and sealed into the chain
        // afterwards, many at a time, by `perigate_seal` (docs/audit.md, "Sealing on PostgreSQL").
        // A pending line leaves only into the chain: the gateway's role has no DELETE on
        // `audit_pending`; the function, which runs with its owner's rights, moves lines; the
        // trigger refuses UPDATE, and DELETE outside a sealing round (the round's flag can be set
        // by any role: the privileges are what stop the gateway's role).
        Migration(version: 11, name: "audit-sealing", statements: [
            """
            CREATE TABLE audit_pending (
                position BIGSERIAL PRIMARY KEY,
                template TEXT NOT NULL,
                time TEXT GENERATED ALWAYS AS ((template::jsonb) ->> 'time') STORED
            )
            """,
            "ALTER TABLE audit_log ADD COLUMN pending_position BIGINT",
            "CREATE UNIQUE INDEX audit_log_by_pending ON audit_log(pending_position)",
            """
            CREATE FUNCTION perigate_sealed_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' AND current_setting('perigate.seal', true) = 'on' THEN
                    RETURN OLD;
                END IF;
                RAISE EXCEPTION 'audit_pending: a line leaves only into the audit chain (perigate_seal)';
            END $$
            """,
            """
            CREATE TRIGGER audit_pending_sealed_only BEFORE UPDATE OR DELETE ON audit_pending
            FOR EACH ROW EXECUTE FUNCTION perigate_sealed_only()
            """,
            PostgresMigrations.advisorySealFunction,
            // The head a node's checkpointer last read to sign: written with a synchronous commit,
            // which flushes the log past the sealing rounds it signs (they commit without waiting).
            "CREATE TABLE audit_head_reads (instance TEXT PRIMARY KEY, sequence BIGINT NOT NULL, hash TEXT NOT NULL)",
        ]),
        // The sealing function as the gateway's role may call it: the chain lock's key fixed (a
        // caller cannot pick another and run a round beside the one holding it), the search path
        // fixed to the system catalog (a SECURITY DEFINER function must not resolve a name in a
        // schema another role can create objects in), and no EXECUTE for PUBLIC: only the owner
        // and the gateway's role (scripts/postgres-grants.sql) seal. The two-argument function of
        // migration 11 stays as the body, callable by the owner alone.
        Migration(version: 12, name: "audit-seal-fixed", statements: [
            "ALTER FUNCTION perigate_seal(bigint, bigint) SET search_path = pg_catalog, pg_temp",
            "REVOKE EXECUTE ON FUNCTION perigate_seal(bigint, bigint) FROM PUBLIC",
            """
            CREATE FUNCTION perigate_seal(round_size bigint,
                                          OUT sealed integer, OUT held_us double precision, OUT waited_us double precision)
            LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
                SELECT s.sealed, s.held_us, s.waited_us FROM public.perigate_seal(round_size, \(PostgresMessageStore.auditLock)::bigint) s
            $$
            """,
            "REVOKE EXECUTE ON FUNCTION perigate_seal(bigint) FROM PUBLIC",
        ]),
        // Sealing no other role can stop or break (docs/audit.md, "Sealing on PostgreSQL"):
        // - The chain lock becomes a row lock on `audit_chain_lock`, a table of one row no role
        //   but the owner has rights on: FOR UPDATE needs UPDATE. (Any role that can connect can
        //   take, and keep, an advisory lock.) The round waits for it at most a few seconds.
        // - Every row put in `audit_pending` must be a line a round can seal: a line template
        //   with one `"sequence":` (the one a round numbers), at most 64 KiB, with client, time
        //   and organisation small enough for audit_log's indexes. One row that fails in a round would stop every round after it. Rows from
        //   before this migration are not checked (NOT VALID); `audit verify` reports any that
        //   is no line, found through a partial index, as `/ready` and `/metrics` do.
        // `CREATE OR REPLACE` keeps the gateway's EXECUTE; the two-argument body goes.
        Migration(version: 13, name: "audit-seal-row-lock", statements: [
            "CREATE TABLE audit_chain_lock (only_row BOOLEAN PRIMARY KEY DEFAULT true CHECK (only_row))",
            "INSERT INTO audit_chain_lock DEFAULT VALUES",
            "REVOKE ALL ON audit_chain_lock FROM PUBLIC",
            PostgresMigrations.rowLockSealFunction,
            "ALTER FUNCTION perigate_seal(bigint) SET search_path = pg_catalog, pg_temp",
            // Only while the function runs (the caller's own setting is back afterwards).
            "ALTER FUNCTION perigate_seal(bigint) SET lock_timeout = '\(PostgresMessageStore.sealLockTimeout.components.seconds)s'",
            "REVOKE EXECUTE ON FUNCTION perigate_seal(bigint) FROM PUBLIC",
            "DROP FUNCTION perigate_seal(bigint, bigint)",
            """
            ALTER TABLE audit_pending ADD CONSTRAINT audit_pending_sealable CHECK (
                octet_length(template) <= \(PostgresMessageStore.maximumAuditLineBytes)
                AND \(PostgresMessageStore.sealable)
                AND strpos(substr(template, strpos(template, '"sequence":0') + 12), '"sequence":') = 0
                AND octet_length(coalesce((template::jsonb) ->> 'client', '')) <= 256
                AND octet_length(coalesce((template::jsonb) ->> 'time', '')) <= 256
                AND octet_length(coalesce((template::jsonb) -> 'organisation' ->> 'ura', '')) <= 256
            ) NOT VALID
            """,
            "CREATE INDEX audit_pending_not_sealable ON audit_pending(position) WHERE NOT (\(PostgresMessageStore.sealable))",
        ]),
        // Less under the chain lock (docs/audit.md, "Sealing on PostgreSQL"; the function's comment):
        // a pending line's client, time and organisation are parsed once, when it is committed
        // (generated columns of `audit_pending`, which its check now reads), and copied into
        // `audit_log`, whose columns stop being generated (`audit verify` checks them against the
        // line: `audit.index-mismatch`); the trigger that keeps pending lines in fires once per
        // statement and refuses TRUNCATE too; the round reads which lines to seal before it takes
        // the lock. Rows already in `audit_log` keep their values. Nodes that chain inside their
        // own transaction (before migration 11) must be stopped first: their rows would have none.
        Migration(version: 14, name: "audit-seal-off-lock", statements: [
            """
            ALTER TABLE audit_pending \(PostgresMessageStore.indexedColumns(of: "template").filter { $0.name != "time" }
                .map { "ADD COLUMN \($0.name) TEXT GENERATED ALWAYS AS (\($0.expression)) STORED" }.joined(separator: ", "))
            """,
            "ALTER TABLE audit_pending DROP CONSTRAINT audit_pending_sealable",
            """
            ALTER TABLE audit_pending ADD CONSTRAINT audit_pending_sealable CHECK (
                octet_length(template) <= \(PostgresMessageStore.maximumAuditLineBytes)
                AND \(PostgresMessageStore.sealable)
                AND strpos(substr(template, strpos(template, '"sequence":0') + 12), '"sequence":') = 0
                AND octet_length(coalesce(client, '')) <= 256
                AND octet_length(coalesce(time, '')) <= 256
                AND octet_length(coalesce(actor_ura, '')) <= 256
            ) NOT VALID
            """,
            "ALTER TABLE audit_log ALTER COLUMN client DROP EXPRESSION, ALTER COLUMN time DROP EXPRESSION, ALTER COLUMN actor_ura DROP EXPRESSION",
            "DROP TRIGGER audit_pending_sealed_only ON audit_pending",
            """
            CREATE OR REPLACE FUNCTION perigate_sealed_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' AND current_setting('perigate.seal', true) = 'on' THEN
                    RETURN NULL;
                END IF;
                RAISE EXCEPTION 'audit_pending: a line leaves only into the audit chain (perigate_seal)';
            END $$
            """,
            """
            CREATE TRIGGER audit_pending_sealed_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_pending
            FOR EACH STATEMENT EXECUTE FUNCTION perigate_sealed_only()
            """,
            PostgresMigrations.offLockSealFunction,
        ]),
    ]
}
