-- Least privilege for the gateway's role (docs/operations.md, "PostgreSQL roles"). Run as the
-- owner after `perigate migrate`, in the Perigate database; :gateway is the gateway's role, e.g.
--   psql -v gateway=perigate_gateway -f scripts/postgres-grants.sql "postgres://perigate_owner:…@db/perigate"
GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO :gateway;
GRANT UPDATE ON partners, client_credentials, operators, subscriptions, deliveries TO :gateway;
GRANT DELETE ON subscriptions, console_sessions TO :gateway;
GRANT UPDATE ON console_sessions, audit_head_reads TO :gateway;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO :gateway;
REVOKE TRUNCATE, UPDATE, DELETE ON audit_log, audit_purges, consents, care_confirmations, delivery_attempts FROM :gateway;
-- Audit lines enter the chain only through perigate_seal (migrations 11 and 12), which runs with
-- the owner's rights: the gateway's role writes a line's text to audit_pending and nothing else
-- (not its position, not a row of audit_log), and cannot take a pending line out.
REVOKE TRUNCATE, UPDATE, DELETE ON audit_pending FROM :gateway;
REVOKE INSERT ON audit_log, audit_pending FROM :gateway;
GRANT INSERT (template) ON audit_pending TO :gateway;
GRANT EXECUTE ON FUNCTION perigate_seal(bigint) TO :gateway;
-- The chain lock (migration 13) is the owner's alone; so are the migration and purge ledgers.
REVOKE ALL ON audit_chain_lock FROM :gateway;
REVOKE INSERT ON schema_migrations, audit_purges FROM :gateway;
