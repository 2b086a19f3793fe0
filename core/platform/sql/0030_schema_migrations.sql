-- The application's migration ledger (`tenantctl migrate`, DESIGN section 6).
--
-- One row per migration per target. `target` is 'shared' for the shared track (files with
-- scope=shared, run with the connection's search_path) or the name of a tenant schema
-- (scope=tenant files, schema-per-tenant mode). Keeping every target's rows in this one table
-- is what lets `migrate status` answer for 1,000 tenant schemas with one indexed query,
-- instead of one query per schema (or a UNION over all of them, which locks every schema).
--
-- state:
--   applied   the migration ran completely; a transactional file writes this row in the same
--             transaction as its SQL, so a row exists exactly when the migration took effect
--   running   a no-transaction file in progress: written before its first statement,
--             statements_done advanced after each statement; a killed run leaves it here and
--             the next `migrate up` resumes at statements_done (there is no "dirty" flag)
--   failed    a no-transaction file stopped at a failing statement; resumed the same way
--   baseline  `migrate baseline V`: every file up to V counts as applied without having run
CREATE TABLE @schema@.schema_migrations (
    target           text NOT NULL CHECK (target <> ''),
    version          text NOT NULL CHECK (version ~ '^[0-9]{14}$'),
    name             text NOT NULL,
    checksum         text NOT NULL,          -- sha256 hex of the file's bytes when applied/started
    state            text NOT NULL CHECK (state IN ('applied', 'running', 'failed', 'baseline')),
    statements_done  integer NOT NULL DEFAULT 0 CHECK (statements_done >= 0),
    statements_total integer,
    done_checksum    text,                   -- sha256 over the statements already run (resume check)
    started_at       timestamptz NOT NULL DEFAULT now(),
    applied_at       timestamptz,
    duration_ms      bigint,
    actor            text NOT NULL,
    run_id           text NOT NULL,
    error            text,                   -- the last failure (file:line:col: message (SQLSTATE))
    PRIMARY KEY (target, version)
);

-- Per-target results of a fan-out run (`migrate up|down` over tenant schemas). The run itself
-- is a row in jobs (kind 'migrate.up' / 'migrate.down', id = the run id); `--resume RUN`
-- retries exactly the targets of that run that are not done.
CREATE TABLE @schema@.migration_run_targets (
    run_id      uuid NOT NULL REFERENCES @schema@.jobs (id) ON DELETE CASCADE,
    target      text NOT NULL,
    tenant_id   uuid,
    state       text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    applied     integer NOT NULL DEFAULT 0,
    duration_ms bigint,
    error       text,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, target)
);
