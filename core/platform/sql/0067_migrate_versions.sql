-- Versions of other tools' layouts (`migrate adopt`, migrations.layout): golang-migrate's
-- 000001, Flyway's 1.1 and its repeatables R__<description>, dbmate's digits of any length.
-- Ordering is done by tenantctl (compare_versions), so the ledger only keeps them sane.
ALTER TABLE @schema@.schema_migrations DROP CONSTRAINT schema_migrations_version_check;
ALTER TABLE @schema@.schema_migrations ADD CONSTRAINT schema_migrations_version_check
    CHECK (version ~ '^([0-9]+(\.[0-9]+)*|R__.+)$' AND length(version) <= 300);
