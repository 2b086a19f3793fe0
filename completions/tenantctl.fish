# fish completion for tenantctl; generated from the command tree by `tenantctl completion fish`.

function __tenantctl_is_node
    switch "$argv[1]"
        case ''
            return 0
        case 'apikey'
            return 0
        case 'apikey create'
            return 0
        case 'apikey list'
            return 0
        case 'apikey revoke'
            return 0
        case 'apikey rotate'
            return 0
        case 'audit'
            return 0
        case 'audit import'
            return 0
        case 'audit partitions'
            return 0
        case 'audit partitions ensure'
            return 0
        case 'audit partitions list'
            return 0
        case 'audit partitions prune'
            return 0
        case 'audit query'
            return 0
        case 'audit record'
            return 0
        case 'audit seal'
            return 0
        case 'audit stats'
            return 0
        case 'audit tail'
            return 0
        case 'audit verify'
            return 0
        case 'citus'
            return 0
        case 'citus distribute'
            return 0
        case 'completion'
            return 0
        case 'config'
            return 0
        case 'config current-context'
            return 0
        case 'config get-contexts'
            return 0
        case 'config use-context'
            return 0
        case 'config view'
            return 0
        case 'doctor'
            return 0
        case 'gdpr'
            return 0
        case 'gdpr erase'
            return 0
        case 'gdpr export'
            return 0
        case 'gdpr lint'
            return 0
        case 'gdpr requests'
            return 0
        case 'gdpr requests add'
            return 0
        case 'gdpr requests close'
            return 0
        case 'gdpr requests list'
            return 0
        case 'gdpr requests show'
            return 0
        case 'help'
            return 0
        case 'init'
            return 0
        case 'keys'
            return 0
        case 'keys destroy'
            return 0
        case 'keys jwks'
            return 0
        case 'keys jwt'
            return 0
        case 'keys jwt activate'
            return 0
        case 'keys jwt list'
            return 0
        case 'keys jwt retire'
            return 0
        case 'keys jwt rotate'
            return 0
        case 'keys reencrypt'
            return 0
        case 'keys retire'
            return 0
        case 'keys rewrap'
            return 0
        case 'keys rotate'
            return 0
        case 'keys status'
            return 0
        case 'keys verify'
            return 0
        case 'maintain'
            return 0
        case 'migrate'
            return 0
        case 'migrate adopt'
            return 0
        case 'migrate baseline'
            return 0
        case 'migrate down'
            return 0
        case 'migrate lint'
            return 0
        case 'migrate new'
            return 0
        case 'migrate plan'
            return 0
        case 'migrate repair'
            return 0
        case 'migrate status'
            return 0
        case 'migrate up'
            return 0
        case 'migrate verify'
            return 0
        case 'sandbox'
            return 0
        case 'sandbox down'
            return 0
        case 'sandbox env'
            return 0
        case 'sandbox psql'
            return 0
        case 'sandbox status'
            return 0
        case 'sandbox up'
            return 0
        case 'tenant'
            return 0
        case 'tenant adopt'
            return 0
        case 'tenant apply'
            return 0
        case 'tenant copy'
            return 0
        case 'tenant create'
            return 0
        case 'tenant delete'
            return 0
        case 'tenant diff'
            return 0
        case 'tenant isolate'
            return 0
        case 'tenant list'
            return 0
        case 'tenant move'
            return 0
        case 'tenant place'
            return 0
        case 'tenant purge'
            return 0
        case 'tenant restore'
            return 0
        case 'tenant restore-from'
            return 0
        case 'tenant resume'
            return 0
        case 'tenant show'
            return 0
        case 'tenant suspend'
            return 0
        case 'tenant top'
            return 0
        case 'tenant update'
            return 0
        case 'version'
            return 0
    end
    return 1
end

function __tenantctl_children
    switch "$argv[1]"
        case ''
            printf '%s\n' 'apikey	Issue, list, revoke and rotate tenants\' API keys' 'audit	Query, follow, seal, verify and maintain the audit log' 'citus	Place the app\'s tables on a Citus cluster' 'completion	Print the completion script for bash, zsh or fish' 'config	Show the config file\'s contexts and choose the current one' 'doctor	Check connectivity, versions and row-level security' 'gdpr	Export and erase personal data' 'help	Show the help of a command: tenantctl help tenant purge' 'init	Install or upgrade the platform schema (idempotent)' 'keys	Tenant data keys, re-encryption, the master key and JWT signing keys' 'maintain	Run every due housekeeping task once (for cron and systemd timers)' 'migrate	Apply the application\'s SQL migrations: checksummed, locked,...' 'sandbox	Run a throwaway local PostgreSQL server for demos, development and tests' 'tenant	Create, change, suspend, delete and purge tenants' 'version	Print the client\'s version, and the server\'s and the platform schema\'s'
        case 'apikey'
            printf '%s\n' 'create	Issue an API key for a tenant (the plaintext is shown once)' 'list	List a tenant\'s API keys (never the keys themselves)' 'revoke	Revoke an API key at once' 'rotate	Issue a replacement key'
        case 'audit'
            printf '%s\n' 'import	Backfill the audit log from an existing audit table or an NDJSON file' 'partitions	List, premake and prune the audit log\'s monthly partitions' 'query	Search a tenant\'s audit events in a time window, newest first' 'record	Append an audit event from a script or runbook' 'seal	Extend each tenant\'s hash chain over events not yet sealed (run from...' 'stats	Count audit events by action, actor, day or hour' 'tail	Show a tenant\'s newest events' 'verify	Recompute the hash chains and report the first tampered event'
        case 'audit partitions'
            printf '%s\n' 'ensure	Create the coming months\' partitions ahead of time' 'list	List the audit log\'s partitions with range, rows and size' 'prune	Archive whole months older than a cutoff, then drop them'
        case 'citus'
            printf '%s\n' 'distribute	Distribute the app\'s tenant tables by their tenancy column'
        case 'config'
            printf '%s\n' 'current-context	Print the context commands use (--context, else current_context)' 'get-contexts	List the config file\'s contexts' 'use-context	Set current_context in the config file' 'view	Print the config file with passwords masked'
        case 'gdpr'
            printf '%s\n' 'erase	Erase one data subject as the data map says, with a receipt' 'export	Export one data subject\'s data, or a whole tenant' 'lint	List tenant-scoped columns the data map does not classify (exit 3)' 'requests	The register of data-subject requests and their one-month deadlines'
        case 'gdpr requests'
            printf '%s\n' 'add	Register a request received now, to answer within a month' 'close	Close a GDPR request (the person was answered)' 'list	List GDPR requests with their due dates' 'show	Show one GDPR request, with its erasure receipt'
        case 'keys'
            printf '%s\n' 'destroy	Erase a key version\'s wrapped key for good (crypto-shredding)' 'jwks	Print the JWKS: next, active and retiring public keys' 'jwt	JWT signing keys: rotate, activate, retire and list them (`keys jwks`...' 'reencrypt	Re-encrypt a tenant\'s encrypted columns under its active key (resumable)' 'retire	Retire a decrypt-only key version no value uses any more' 'rewrap	Re-wrap every data key, JWT private key and audit key under a new...' 'rotate	Add a new active data key version' 'status	Show each tenant\'s key versions, states, ages and the values using each' 'verify	Check that every wrapped key unwraps and encrypted values decrypt'
        case 'keys jwt'
            printf '%s\n' 'activate	Make the next key the signing key' 'list	List JWT signing keys with their states' 'retire	Retire a next or retiring signing key now (drops it from the JWKS)' 'rotate	Create the next JWT signing key (published, not yet signing)'
        case 'migrate'
            printf '%s\n' 'adopt	Take over the history another migration tool recorded' 'baseline	Record VERSION as already applied, for an existing database' 'down	Revert the newest migrations (one by default)' 'lint	Flag dangerous statements in migration files (offline' 'new	Create a migration file in the directory\'s layout (default...' 'plan	Print the SQL `migrate up` would run, per target' 'repair	Fix the ledger after a human intervened (audited)' 'status	Show applied, pending, failed and changed migrations' 'up	Apply pending migrations: the shared schema, then every tenant schema' 'verify	Check that every applied migration still matches its file (exit 8 if...'
        case 'sandbox'
            printf '%s\n' 'down	Stop the sandbox server and delete its data' 'env	Print shell exports that point tenantctl at the sandbox' 'psql	Open psql on the sandbox' 'status	Show whether the sandbox runs, and where' 'up	Start the sandbox server (created on first use) and print its URL'
        case 'tenant'
            printf '%s\n' 'adopt	Register the app\'s existing tenants (tenancy.tenants_table)' 'apply	Make the tenants match a manifest (declarative, idempotent)' 'copy	Copy one tenant, with its keys and every row of its data, into...' 'create	Create a tenant with its first data key' 'delete	Mark a tenant for deletion after a grace period' 'diff	Compare one tenant\'s data here with another database' 'isolate	Citus: give a tenant shards of its own' 'list	List tenants' 'move	Move one tenant into another database: copy, verify, switch over' 'place	Citus: move a tenant\'s shards to another node' 'purge	Irreversibly delete a tenant\'s data and destroy its keys' 'restore	Undo `tenant delete` within the grace period' 'restore-from	Bring one tenant\'s rows back from a backup restored to a scratch server' 'resume	Make a suspended tenant active again' 'show	Show one tenant: settings, flags, keys, row counts, recent audit events' 'suspend	Suspend a tenant until it is resumed' 'top	Citus: the busiest tenants by CPU, from citus_stat_tenants' 'update	Change a tenant\'s name, plan, region, settings or flags'
    end
end

function __tenantctl_options
    switch "$argv[1]"
        case 'apikey create'
            printf '%s\n' '--tenant	the tenant' '--name	what the key is for' '--scope	a permission (repeatable)' '--expires	a duration from now (90d) or a time (RFC 3339)'
        case 'apikey list'
            printf '%s\n' '--tenant	the tenant' '--all	include revoked and expired keys'
        case 'apikey revoke'
            printf '%s\n' '--tenant	the tenant'
        case 'apikey rotate'
            printf '%s\n' '--tenant	the tenant' '--overlap	how long the old key stays valid (default 24h)'
        case 'audit import'
            printf '%s\n' '--from	[schema.]table in this database, or the path of an NDJSON file' '--map	take audit_log COLUMN from the source\'s column or key SOURCE (repeatable' '--tenant	every event belongs to this tenant (no tenant_id in the source)' '--key	table sources: a unique column to import in order by (default id)' '--timezone	the zone of source times written without one (timestamp without time...' '--batch	events per transaction (default 5000)' '--no-seal	leave sealing to the next `audit seal`'
        case 'audit partitions ensure'
            printf '%s\n' '--ahead	months after the current one (default audit.premake, 3)'
        case 'audit partitions prune'
            printf '%s\n' '--older-than	drop months that ended before now minus this (default 13mo)' '--archive	write each month here first as NDJSON.gz plus a .sha256 file (default...' '--no-archive	drop without archiving (asks first'
        case 'audit query'
            printf '%s\n' '--tenant	tenant slug (required unless --all-tenants)' '--all-tenants	search every tenant (slower: no tenant prefix in the index)' '--since	start of the window: RFC 3339 time or a duration ago (default 7d)' '--until	end of the window (default now)' '--actor	only events by this actor id' '--action	only actions matching this glob, e.g. \'user.*\'' '--resource	only events on this resource type (and id)' '--where	metadata match, repeatable: metadata.KEY=VALUE' '--limit	at most N events (default 100' '--after	continue after the cursor printed with the previous page' '--explain	show the partitions scanned and the query plan instead of rows'
        case 'audit record'
            printf '%s\n' '--tenant	tenant slug' '--action	dotted lower-case action, e.g. runbook.failover' '--resource	what the action was on' '--metadata	a JSON object with details (no secrets or personal data)' '--actor-type	actor type recorded (default operator)'
        case 'audit seal'
            printf '%s\n' '--tenant	only this tenant (default: every tenant and platform events)' '--settle	leave events younger than this for the next run (default 60s), so...' '--parallel	tenants sealed at once, one connection each (default 2)'
        case 'audit stats'
            printf '%s\n' '--tenant	tenant slug (required unless --all-tenants)' '--all-tenants	count over every tenant' '--by	grouping (default action)' '--since	start of the window (default 7d)' '--until	end of the window (default now)'
        case 'audit tail'
            printf '%s\n' '--tenant	tenant slug' '--lines	how many of the newest events to show first (default 20)' '-n	how many of the newest events to show first (default 20)' '--follow	keep running and print events as they are committed (LISTEN/NOTIFY' '-f	keep running and print events as they are committed (LISTEN/NOTIFY'
        case 'audit verify'
            printf '%s\n' '--tenant	verify this tenant' '--all	verify every tenant and the platform events' '--since	start from the last checkpoint before this time'
        case 'doctor'
            printf '%s\n' '--check	run only this check (repeatable): connection, server_version,...' '--metrics-file	also write the results as a Prometheus textfile (atomically)' '--probe	instead of the checks, try every cross-tenant path as the app role in...'
        case 'gdpr erase'
            printf '%s\n' '--tenant	tenant slug' '--subject	the person: email:ADDRESS, id:KEY or COLUMN:VALUE' '--output-file	write the receipt here (0600) instead of stdout (- is stdout)' '-O	write the receipt here (0600) instead of stdout (- is stdout)' '--force	overwrite an existing -O file' '--request	complete this open request (gdpr requests add)'
        case 'gdpr export'
            printf '%s\n' '--tenant	tenant slug' '--subject	the person: email:ADDRESS, id:KEY or COLUMN:VALUE' '--all	export every tenant-scoped table of the tenant (needs -O FILE.tar.gz,...' '--output-file	where to write (created 0600' '-O	where to write (created 0600' '--format	subject export as a zip file or one JSON document on stdout' '--table-format	file format per table for --all' '--force	overwrite an existing -O file' '--request	complete this open request (gdpr requests add)'
        case 'gdpr requests add'
            printf '%s\n' '--tenant	tenant slug' '--kind	what was asked' '--subject	a reference to the person (e.g. id:KEY' '--received	when it was received (RFC 3339' '--note	free text'
        case 'gdpr requests close'
            printf '%s\n' '--note	why or how it was closed'
        case 'gdpr requests list'
            printf '%s\n' '--tenant	only this tenant' '--open	only requests not yet answered' '--overdue	only open requests past their due date'
        case 'init'
            printf '%s\n' '--citus	require a Citus coordinator (without it init refuses instead of...'
        case 'keys destroy'
            printf '%s\n' '--tenant	the tenant' '--version	the key version' '--force	destroy even though values still use it: they become unreadable'
        case 'keys jwt activate'
            printf '%s\n' '--force	activate even if the key was published less than 5 minutes ago' '--retire-previous	drop the previous key from the JWKS at once (leaked key: its tokens...'
        case 'keys jwt rotate'
            printf '%s\n' '--alg	RS256 (default: keys.jwt_alg) or ES256'
        case 'keys reencrypt'
            printf '%s\n' '--tenant	the tenant' '--all	every tenant that is not purged (failures are reported, exit 9)' '--batch-size	rows per batch transaction (default 10000)' '--max-rate	at most this many rows per second (default: no limit)' '--fire-triggers	run the app\'s triggers on every re-encrypted row (by default they...'
        case 'keys retire'
            printf '%s\n' '--tenant	the tenant' '--version	the key version'
        case 'keys rewrap'
            printf '%s\n' '--new-master-key	where the new master key is: env:NAME, file:PATH or cmd:COMMAND'
        case 'keys rotate'
            printf '%s\n' '--tenant	the tenant' '--all	every tenant that is not purged (failures are reported, exit 9)' '--reencrypt	re-encrypt the tenant\'s data under the new key afterwards' '--batch-size	rows per re-encryption batch (with --reencrypt)' '--max-rate	at most this many rows per second (with --reencrypt)' '--fire-triggers	with --reencrypt, run the app\'s triggers on every re-encrypted row...'
        case 'keys status'
            printf '%s\n' '--tenant	only this tenant' '--no-usage	skip counting encrypted values per version (no data scan)'
        case 'keys verify'
            printf '%s\n' '--tenant	only this tenant' '--sample	also decrypt N random values per tenant and column' '--all	also decrypt every encrypted value'
        case 'maintain'
            printf '%s\n' '--only	run just this task (also when disabled in the config)' '--max-duration	stop purges and re-encryption between batches after this long' '--settle	audit-seal leaves events younger than this (default 60s)' '--batch-size	rows per transaction in purges and re-encryption' '--metrics-file	write per-task Prometheus metrics to this textfile (atomically)'
        case 'migrate adopt'
            printf '%s\n' '--from	the tool: flyway, golang-migrate, dbmate or prisma' '--history-table	that tool\'s history table (default: flyway_schema_history,...' '--dir	migrations directory (default: the config\'s migrations.dir, else...'
        case 'migrate baseline'
            printf '%s\n' '--scope	shared (default) or tenant (every selected tenant schema)' '--dir	migrations directory (default: the config\'s migrations.dir, else...' '--tenants	only these tenants (slugs, comma-separated or repeated)' '--exclude	skip these tenants (slugs, comma-separated or repeated)'
        case 'migrate down'
            printf '%s\n' '--to	revert everything newer than this version (which stays applied)' '--steps	revert this many migrations (default 1)' '--scope	shared (default) or tenant (every tenant schema)' '--dir	migrations directory (default: the config\'s migrations.dir, else...' '--tenants	only these tenants (slugs, comma-separated or repeated)' '--exclude	skip these tenants (slugs, comma-separated or repeated)' '--parallel	tenant schemas reverted at once' '--continue-on-error	keep going after a tenant schema fails' '--lock-retries	retries after a lock timeout (default 3)'
        case 'migrate lint'
            printf '%s\n' '--dir	migrations directory (default: the config\'s migrations.dir, else...' '--changed-since	report only files added or changed since this git revision (the...'
        case 'migrate new'
            printf '%s\n' '--scope	shared (default) or tenant (runs in every tenant schema)' '--dir	migrations directory (default: the config\'s migrations.dir, else...'
        case 'migrate plan'
            printf '%s\n' '--to	stop at this version (inclusive)' '--allow-out-of-order	apply files older than the newest applied one (refused by default,...' '--dir	migrations directory (default: the config\'s migrations.dir, else...' '--tenants	only these tenants (slugs, comma-separated or repeated)' '--exclude	skip these tenants (slugs, comma-separated or repeated)'
        case 'migrate repair'
            printf '%s\n' '--mark-applied	a failed no-transaction migration that was finished by hand: record...' '--forget	remove this ledger row (a migration undone by hand, or whose file was...' '--scope	shared (default) or tenant' '--dir	migrations directory (default: the config\'s migrations.dir, else...' '--tenants	only these tenants (slugs, comma-separated or repeated)' '--exclude	skip these tenants (slugs, comma-separated or repeated)'
        case 'migrate status'
            printf '%s\n' '--check	exit 3 when anything is pending or failed (8 when a file changed)' '--dir	migrations directory (default: the config\'s migrations.dir, else...' '--tenants	only these tenants (slugs, comma-separated or repeated)' '--exclude	skip these tenants (slugs, comma-separated or repeated)'
        case 'migrate up'
            printf '%s\n' '--to	stop at this version (inclusive)' '--allow-out-of-order	apply files older than the newest applied one (refused by default,...' '--dir	migrations directory (default: the config\'s migrations.dir, else...' '--tenants	only these tenants (slugs, comma-separated or repeated)' '--exclude	skip these tenants (slugs, comma-separated or repeated)' '--parallel	tenant schemas migrated at once, one connection each (capped by the...' '--continue-on-error	keep migrating other tenant schemas after one fails (exit 9 at the end)' '--resume	retry the tenant schemas of an earlier run that failed or did not start' '--lock-retries	retries (with backoff) of a migration that hit its lock_timeout...'
        case 'migrate verify'
            printf '%s\n' '--dir	migrations directory (default: the config\'s migrations.dir, else...' '--tenants	only these tenants (slugs, comma-separated or repeated)' '--exclude	skip these tenants (slugs, comma-separated or repeated)'
        case 'sandbox down'
            printf '%s\n' '--dir	state directory (default $TENANTCTL_SANDBOX_DIR, else...' '--keep	stop the server but keep its data'
        case 'sandbox env'
            printf '%s\n' '--dir	state directory (default $TENANTCTL_SANDBOX_DIR, else...'
        case 'sandbox psql'
            printf '%s\n' '--dir	state directory (default $TENANTCTL_SANDBOX_DIR, else...'
        case 'sandbox status'
            printf '%s\n' '--dir	state directory (default $TENANTCTL_SANDBOX_DIR, else...'
        case 'sandbox up'
            printf '%s\n' '--dir	state directory (default $TENANTCTL_SANDBOX_DIR, else...' '--port	port number of its Unix socket (default: a free one)' '--no-init	do not install the platform schema'
        case 'tenant apply'
            printf '%s\n' '--file	the manifest (YAML' '-f	the manifest (YAML' '--prune	delete (with --grace) active and suspended tenants the manifest does...' '--grace	grace period of pruned tenants (default 30d)'
        case 'tenant copy'
            printf '%s\n' '--to	the destination: a context of the config file' '--to-master-key	where the destination\'s master key is read from (env:NAME, file:PATH...' '--as	copy it as a new tenant with this slug and a new id, written into...' '--as-key	with --as, where the app keys tenants by its own key rather than the...' '--anonymize	apply the data map\'s anonymization to every pii column and replace...' '--allow-unclassified	with --anonymize, copy columns the data map does not classify as they...' '--fire-triggers	run the app\'s triggers on the rows written, as its own inserts would...'
        case 'tenant create'
            printf '%s\n' '--name	display name' '--plan	billing plan' '--region	where the tenant\'s data lives' '--id	use this UUID instead of a random one' '--key	the value the app\'s tenancy columns hold for this tenant, when it is...' '--admin-email	the tenant\'s administrative contact' '--isolation	shared (RLS) or schema' '--if-not-exists	succeed without changes when the slug exists'
        case 'tenant delete'
            printf '%s\n' '--grace	how long until it may be purged (default 30d)' '--reason	why'
        case 'tenant diff'
            printf '%s\n' '--against	the other database: a context of the config file' '--as	the tenant\'s slug at the other database when it was copied there with...'
        case 'tenant isolate'
            printf '%s\n' '--transfer-mode	how Citus copies the shards: auto (logical replication, the tenant\'s...'
        case 'tenant list'
            printf '%s\n' '--status	only this status: active, suspended, pending_deletion, purged, or all...' '--plan	only tenants on this plan' '--region	only tenants in this region' '--by-node	Citus: add the node that holds each tenant\'s shard, and group the...'
        case 'tenant move'
            printf '%s\n' '--to	the destination: a context of the config file' '--to-master-key	where the destination\'s master key is read from (env:NAME, file:PATH...' '--grace	how long the tenant\'s rows stay here once it has moved, before...' '--drain-timeout	how long to wait for transactions that began before the freeze to...' '--online	stream the rows by logical replication while the app writes' '--abort	roll back a move that cannot finish: the copy deleted at the...' '--batch-size	rows per transaction of the copy at the destination: a killed move...' '--fire-triggers	run the app\'s triggers on the rows the copy writes, as its own...'
        case 'tenant place'
            printf '%s\n' '--node	the node to put it on, as pg_dist_node names it' '--transfer-mode	how Citus copies the shards: auto (logical replication, the tenant\'s...' '--whole-shard	move a shard the tenant shares with others, and them with it...'
        case 'tenant purge'
            printf '%s\n' '--due	purge every tenant whose grace period has ended' '--force	purge even if the tenant is not pending deletion or its grace period...' '--batch-size	rows per transaction (default 5000)' '--max-duration	stop between batches after this long'
        case 'tenant restore'
            printf '%s\n' '--force	restore even after the grace period ended (if not purged)'
        case 'tenant restore-from'
            printf '%s\n' '--mode	replace: the tenant\'s rows become the backup\'s' '--tables	only these tables (schema.table or table, comma-separated or repeated)' '--point-in-time-note	what the backup is ("PITR 2026-12-01 09:00 UTC, before the bulk...' '--fire-triggers	run the app\'s triggers on the rows deleted and written, as its own...'
        case 'tenant resume'
            printf '%s\n' '--reason	why'
        case 'tenant show'
            printf '%s\n' '--events	how many recent audit events to include (default 10)'
        case 'tenant suspend'
            printf '%s\n' '--reason	why'
        case 'tenant top'
            printf '%s\n' '--limit	how many tenants (default 10)'
        case 'tenant update'
            printf '%s\n' '--name	new display name' '--plan	new plan' '--region	new region' '--admin-email	new administrative contact' '--set	set a setting (repeatable)' '--unset	remove a setting (repeatable)' '--flag	turn a feature flag on or off (repeatable)'
        case 'version'
            printf '%s\n' '--client	only the client'
    end
    printf '%s\n' '--database	PostgreSQL connection string or URI' '-d	PostgreSQL connection string or URI' '--config	configuration file (default ./tenantctl.yaml, then...' '-c	configuration file (default ./tenantctl.yaml, then...' '--context	named connection from the config\'s contexts' '--output	output format: table, wide (a table with every column, full...' '-o	output format: table, wide (a table with every column, full...' '--jq	print what a jq program makes of the JSON result (strings without...' '--sort-by	sort result rows by a column (numbers by value, empty last)' '--actor	operator recorded in audit events (default user@host)' '--yes	answer yes to confirmations (required without a terminal)' '-y	answer yes to confirmations (required without a terminal)' '--dry-run	show what a mutating command would do' '--quiet	only warnings and errors on stderr, and with the table output nothing...' '-q	only warnings and errors on stderr, and with the table output nothing...' '--verbose	debug messages on stderr' '-v	debug messages on stderr' '--no-headers	table and csv output without the header row (for scripts)' '--log-format	stderr log format: text or json' '--no-color	no colors (also when NO_COLOR is set)' '--lock-timeout	how long to wait for another run\'s lock before exiting with 6...' '--progress	progress bars: auto (on a terminal), always or never' '--help	show the help of the command' '--version	print the version and the git commit'
end

function __tenantctl_values
    switch "$argv[1]|$argv[2]"
        case 'sandbox up|--dir'
            return 3
        case 'sandbox up|--port'
            return 0
        case 'sandbox down|--dir'
            return 3
        case 'sandbox status|--dir'
            return 3
        case 'sandbox env|--dir'
            return 3
        case 'sandbox psql|--dir'
            return 3
        case 'doctor|--check'
            printf '%s\n' 'doctor-checks'
            return 4
        case 'doctor|--metrics-file'
            return 2
        case 'tenant create|--name'
            return 0
        case 'tenant create|--plan'
            return 0
        case 'tenant create|--region'
            return 0
        case 'tenant create|--id'
            return 0
        case 'tenant create|--key'
            return 0
        case 'tenant create|--admin-email'
            return 0
        case 'tenant create|--isolation'
            printf '%s\n' 'shared' 'schema'
            return 0
        case 'tenant list|--status'
            printf '%s\n' 'active' 'suspended' 'pending_deletion' 'purged' 'all'
            return 0
        case 'tenant list|--plan'
            return 0
        case 'tenant list|--region'
            return 0
        case 'tenant show|--events'
            return 0
        case 'tenant show|@1'
            printf '%s\n' 'tenants'
            return 4
        case 'tenant update|--name'
            return 0
        case 'tenant update|--plan'
            return 0
        case 'tenant update|--region'
            return 0
        case 'tenant update|--admin-email'
            return 0
        case 'tenant update|--set'
            return 0
        case 'tenant update|--unset'
            return 0
        case 'tenant update|--flag'
            return 0
        case 'tenant update|@1'
            printf '%s\n' 'tenants'
            return 4
        case 'tenant suspend|--reason'
            return 0
        case 'tenant suspend|@1'
            printf '%s\n' 'tenants'
            return 4
        case 'tenant resume|--reason'
            return 0
        case 'tenant resume|@1'
            printf '%s\n' 'tenants'
            return 4
        case 'tenant delete|--grace'
            return 0
        case 'tenant delete|--reason'
            return 0
        case 'tenant delete|@1'
            printf '%s\n' 'tenants'
            return 4
        case 'tenant restore|@1'
            printf '%s\n' 'tenants'
            return 4
        case 'tenant purge|--batch-size'
            return 0
        case 'tenant purge|--max-duration'
            return 0
        case 'tenant purge|@1'
            printf '%s\n' 'tenants'
            return 4
        case 'tenant apply|--file'
            return 2
        case 'tenant apply|-f'
            return 2
        case 'tenant apply|--grace'
            return 0
        case 'tenant copy|--to'
            printf '%s\n' 'contexts'
            return 4
        case 'tenant copy|--to-master-key'
            return 0
        case 'tenant copy|--as'
            return 0
        case 'tenant copy|--as-key'
            return 0
        case 'tenant copy|@1'
            printf '%s\n' 'tenants'
            return 4
        case 'tenant diff|--against'
            printf '%s\n' 'contexts'
            return 4
        case 'tenant diff|--as'
            return 0
        case 'tenant diff|@1'
            printf '%s\n' 'tenants'
            return 4
        case 'tenant restore-from|--mode'
            printf '%s\n' 'replace' 'merge'
            return 0
        case 'tenant restore-from|--tables'
            return 0
        case 'tenant restore-from|--point-in-time-note'
            return 0
        case 'tenant restore-from|@1'
            printf '%s\n' 'contexts'
            return 4
        case 'tenant restore-from|@2'
            printf '%s\n' 'tenants'
            return 4
        case 'tenant move|--to'
            printf '%s\n' 'contexts'
            return 4
        case 'tenant move|--to-master-key'
            return 0
        case 'tenant move|--grace'
            return 0
        case 'tenant move|--drain-timeout'
            return 0
        case 'tenant move|--batch-size'
            return 0
        case 'tenant move|@1'
            printf '%s\n' 'tenants'
            return 4
        case 'tenant isolate|--transfer-mode'
            printf '%s\n' 'auto' 'force_logical' 'block_writes'
            return 0
        case 'tenant isolate|@1'
            printf '%s\n' 'tenants'
            return 4
        case 'tenant place|--node'
            return 0
        case 'tenant place|--transfer-mode'
            printf '%s\n' 'auto' 'force_logical' 'block_writes'
            return 0
        case 'tenant place|@1'
            printf '%s\n' 'tenants'
            return 4
        case 'tenant top|--limit'
            return 0
        case 'keys status|--tenant'
            printf '%s\n' 'tenants'
            return 4
        case 'keys rotate|--tenant'
            printf '%s\n' 'tenants'
            return 4
        case 'keys rotate|--batch-size'
            return 0
        case 'keys rotate|--max-rate'
            return 0
        case 'keys reencrypt|--tenant'
            printf '%s\n' 'tenants'
            return 4
        case 'keys reencrypt|--batch-size'
            return 0
        case 'keys reencrypt|--max-rate'
            return 0
        case 'keys retire|--tenant'
            printf '%s\n' 'tenants'
            return 4
        case 'keys retire|--version'
            return 0
        case 'keys destroy|--tenant'
            printf '%s\n' 'tenants'
            return 4
        case 'keys destroy|--version'
            return 0
        case 'keys rewrap|--new-master-key'
            return 0
        case 'keys verify|--tenant'
            printf '%s\n' 'tenants'
            return 4
        case 'keys verify|--sample'
            return 0
        case 'keys jwt rotate|--alg'
            printf '%s\n' 'RS256' 'ES256'
            return 0
        case 'keys jwt activate|@1'
            printf '%s\n' 'jwt-kids'
            return 4
        case 'keys jwt retire|@1'
            printf '%s\n' 'jwt-kids'
            return 4
        case 'apikey create|--tenant'
            printf '%s\n' 'tenants'
            return 4
        case 'apikey create|--name'
            return 0
        case 'apikey create|--scope'
            return 0
        case 'apikey create|--expires'
            return 0
        case 'apikey list|--tenant'
            printf '%s\n' 'tenants'
            return 4
        case 'apikey revoke|--tenant'
            printf '%s\n' 'tenants'
            return 4
        case 'apikey revoke|@1'
            printf '%s\n' 'api-keys'
            return 4
        case 'apikey rotate|--tenant'
            printf '%s\n' 'tenants'
            return 4
        case 'apikey rotate|--overlap'
            return 0
        case 'apikey rotate|@1'
            printf '%s\n' 'api-keys'
            return 4
        case 'migrate new|--scope'
            printf '%s\n' 'shared' 'tenant'
            return 0
        case 'migrate new|--dir'
            return 3
        case 'migrate status|--dir'
            return 3
        case 'migrate status|--tenants'
            printf '%s\n' 'tenants'
            return 4
        case 'migrate status|--exclude'
            printf '%s\n' 'tenants'
            return 4
        case 'migrate plan|--to'
            return 0
        case 'migrate plan|--dir'
            return 3
        case 'migrate plan|--tenants'
            printf '%s\n' 'tenants'
            return 4
        case 'migrate plan|--exclude'
            printf '%s\n' 'tenants'
            return 4
        case 'migrate up|--to'
            return 0
        case 'migrate up|--dir'
            return 3
        case 'migrate up|--tenants'
            printf '%s\n' 'tenants'
            return 4
        case 'migrate up|--exclude'
            printf '%s\n' 'tenants'
            return 4
        case 'migrate up|--parallel'
            return 0
        case 'migrate up|--resume'
            return 0
        case 'migrate up|--lock-retries'
            return 0
        case 'migrate down|--to'
            return 0
        case 'migrate down|--steps'
            return 0
        case 'migrate down|--scope'
            printf '%s\n' 'shared' 'tenant'
            return 0
        case 'migrate down|--dir'
            return 3
        case 'migrate down|--tenants'
            printf '%s\n' 'tenants'
            return 4
        case 'migrate down|--exclude'
            printf '%s\n' 'tenants'
            return 4
        case 'migrate down|--parallel'
            return 0
        case 'migrate down|--lock-retries'
            return 0
        case 'migrate verify|--dir'
            return 3
        case 'migrate verify|--tenants'
            printf '%s\n' 'tenants'
            return 4
        case 'migrate verify|--exclude'
            printf '%s\n' 'tenants'
            return 4
        case 'migrate baseline|--scope'
            printf '%s\n' 'shared' 'tenant'
            return 0
        case 'migrate baseline|--dir'
            return 3
        case 'migrate baseline|--tenants'
            printf '%s\n' 'tenants'
            return 4
        case 'migrate baseline|--exclude'
            printf '%s\n' 'tenants'
            return 4
        case 'migrate repair|--mark-applied'
            return 0
        case 'migrate repair|--forget'
            return 0
        case 'migrate repair|--scope'
            printf '%s\n' 'shared' 'tenant'
            return 0
        case 'migrate repair|--dir'
            return 3
        case 'migrate repair|--tenants'
            printf '%s\n' 'tenants'
            return 4
        case 'migrate repair|--exclude'
            printf '%s\n' 'tenants'
            return 4
        case 'migrate lint|--dir'
            return 3
        case 'migrate lint|--changed-since'
            return 0
        case 'migrate lint|@*'
            return 2
        case 'migrate adopt|--from'
            printf '%s\n' 'flyway' 'golang-migrate' 'dbmate' 'prisma'
            return 0
        case 'migrate adopt|--history-table'
            return 0
        case 'migrate adopt|--dir'
            return 3
        case 'gdpr export|--tenant'
            printf '%s\n' 'tenants'
            return 4
        case 'gdpr export|--subject'
            return 0
        case 'gdpr export|--output-file'
            return 2
        case 'gdpr export|-O'
            return 2
        case 'gdpr export|--format'
            printf '%s\n' 'zip' 'json'
            return 0
        case 'gdpr export|--table-format'
            printf '%s\n' 'ndjson' 'csv'
            return 0
        case 'gdpr export|--request'
            printf '%s\n' 'gdpr-requests'
            return 4
        case 'gdpr erase|--tenant'
            printf '%s\n' 'tenants'
            return 4
        case 'gdpr erase|--subject'
            return 0
        case 'gdpr erase|--output-file'
            return 2
        case 'gdpr erase|-O'
            return 2
        case 'gdpr erase|--request'
            printf '%s\n' 'gdpr-requests'
            return 4
        case 'gdpr requests list|--tenant'
            printf '%s\n' 'tenants'
            return 4
        case 'gdpr requests show|@1'
            printf '%s\n' 'gdpr-requests'
            return 4
        case 'gdpr requests close|--note'
            return 0
        case 'gdpr requests close|@1'
            printf '%s\n' 'gdpr-requests'
            return 4
        case 'gdpr requests add|--tenant'
            printf '%s\n' 'tenants'
            return 4
        case 'gdpr requests add|--kind'
            printf '%s\n' 'export' 'erase' 'export_all'
            return 0
        case 'gdpr requests add|--subject'
            return 0
        case 'gdpr requests add|--received'
            return 0
        case 'gdpr requests add|--note'
            return 0
        case 'audit query|--tenant'
            printf '%s\n' 'tenants'
            return 4
        case 'audit query|--since'
            return 0
        case 'audit query|--until'
            return 0
        case 'audit query|--actor'
            return 0
        case 'audit query|--action'
            return 0
        case 'audit query|--resource'
            return 0
        case 'audit query|--where'
            return 0
        case 'audit query|--limit'
            return 0
        case 'audit query|--after'
            return 0
        case 'audit tail|--tenant'
            printf '%s\n' 'tenants'
            return 4
        case 'audit tail|--lines'
            return 0
        case 'audit tail|-n'
            return 0
        case 'audit stats|--tenant'
            printf '%s\n' 'tenants'
            return 4
        case 'audit stats|--by'
            printf '%s\n' 'action' 'actor' 'day' 'hour'
            return 0
        case 'audit stats|--since'
            return 0
        case 'audit stats|--until'
            return 0
        case 'audit record|--tenant'
            printf '%s\n' 'tenants'
            return 4
        case 'audit record|--action'
            return 0
        case 'audit record|--resource'
            return 0
        case 'audit record|--metadata'
            return 0
        case 'audit record|--actor-type'
            return 0
        case 'audit seal|--tenant'
            printf '%s\n' 'tenants'
            return 4
        case 'audit seal|--settle'
            return 0
        case 'audit seal|--parallel'
            return 0
        case 'audit verify|--tenant'
            printf '%s\n' 'tenants'
            return 4
        case 'audit verify|--since'
            return 0
        case 'audit partitions ensure|--ahead'
            return 0
        case 'audit partitions prune|--older-than'
            return 0
        case 'audit partitions prune|--archive'
            return 3
        case 'audit import|--from'
            return 0
        case 'audit import|--map'
            return 0
        case 'audit import|--tenant'
            printf '%s\n' 'tenants'
            return 4
        case 'audit import|--key'
            return 0
        case 'audit import|--timezone'
            return 0
        case 'audit import|--batch'
            return 0
        case 'maintain|--only'
            printf '%s\n' 'audit-partitions' 'audit-seal' 'audit-prune' 'tenant-purge' 'key-rotate' 'key-reencrypt' 'jwt-retire' 'gdpr-due'
            return 0
        case 'maintain|--max-duration'
            return 0
        case 'maintain|--settle'
            return 0
        case 'maintain|--batch-size'
            return 0
        case 'maintain|--metrics-file'
            return 2
        case 'completion|@1'
            printf '%s\n' 'bash' 'zsh' 'fish'
            return 0
        case 'config use-context|@1'
            printf '%s\n' 'contexts'
            return 4
        case '*|--database'
            return 0
        case '*|-d'
            return 0
        case '*|--config'
            return 2
        case '*|-c'
            return 2
        case '*|--context'
            printf '%s\n' 'contexts'
            return 4
        case '*|--output'
            printf '%s\n' 'table' 'wide' 'json' 'ndjson' 'yaml' 'csv' 'name'
            return 0
        case '*|-o'
            printf '%s\n' 'table' 'wide' 'json' 'ndjson' 'yaml' 'csv' 'name'
            return 0
        case '*|--jq'
            return 0
        case '*|--sort-by'
            return 0
        case '*|--actor'
            return 0
        case '*|--log-format'
            printf '%s\n' 'text' 'json'
            return 0
        case '*|--lock-timeout'
            return 0
        case '*|--progress'
            printf '%s\n' 'auto' 'always' 'never'
            return 0
    end
    return 1
end

function __tenantctl_passed_name
    switch $argv[1]
        case '--database'
            echo '--database'
            return 0
        case '-d'
            echo '--database'
            return 0
        case '--config'
            echo '--config'
            return 0
        case '-c'
            echo '--config'
            return 0
        case '--context'
            echo '--context'
            return 0
        case '--tenant'
            echo '--tenant'
            return 0
    end
    return 1
end

function __tenantctl_takes_value
    __tenantctl_values $argv >/dev/null
    test $status -ne 1
end

# An option that chooses the database (or --tenant) with its value, as the value completers
# must see it: --database=VALUE, one word, whatever VALUE holds.
function __tenantctl_pass --argument-names name value
    set -l long (__tenantctl_passed_name $name); or return 0
    string match -q -- '~/*' $value; and set value $HOME/(string sub -s 3 -- $value)
    printf '%s=%s\n' $long $value
end

# The same for a value attached to its option: --database=URL, -dURL.
function __tenantctl_pass_attached --argument-names word
    if string match -q -- '--*=*' $word
        set -l parts (string split -m 1 = -- $word)
        __tenantctl_pass $parts[1] $parts[2]
    else if string match -q -r -- '^-[^-].' $word
        __tenantctl_pass (string sub -l 2 -- $word) (string sub -s 3 -- $word)
    end
end

# The candidates of a value slot: static ones from the tree, dynamic ones from
# `tenantctl __complete KIND` against the database the line names. Stdin is closed (never
# a password prompt) and stderr is dropped (never a message over the prompt).
function __tenantctl_candidates --argument-names cmdpath slot cur
    set -l out (__tenantctl_values $cmdpath $slot)
    switch $status
        case 0
            printf '%s\n' $out
        case 2
            __fish_complete_path $cur
        case 3
            __fish_complete_directories $cur
        case 4
            command tenantctl __complete $out $argv[4..-1] </dev/null 2>/dev/null
    end
end

function __tenantctl_complete
    # -o: the tokens as the command receives them, quotes removed, nothing expanded.
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    set -l cmdpath ''
    set -l valopt ''
    set -l positionals 0
    set -l flags
    set -l count (count $tokens)
    set -l i 2
    while test $i -le $count
        set -l w $tokens[$i]
        if string match -q -- '-?*' $w
            if not string match -q -- '*=*' $w; and __tenantctl_takes_value "$cmdpath" $w
                if test $i -eq $count
                    set valopt $w
                    break
                end
                set i (math $i + 1)
                set -a flags (__tenantctl_pass $w $tokens[$i])
            else
                set -a flags (__tenantctl_pass_attached $w)
            end
        else if test $positionals -eq 0; and __tenantctl_is_node (string trim -- "$cmdpath $w")
            set cmdpath (string trim -- "$cmdpath $w")
        else
            set positionals (math $positionals + 1)
        end
        set i (math $i + 1)
    end
    set -l kids (__tenantctl_children "$cmdpath")
    if test -n "$valopt"
        __tenantctl_candidates "$cmdpath" $valopt $cur $flags
    else if string match -q -- '-*' $cur
        __tenantctl_options "$cmdpath"
    else if test -n "$kids"
        printf '%s\n' $kids
    else
        __tenantctl_candidates "$cmdpath" "@"(math $positionals + 1) $cur $flags
    end
end

complete -c tenantctl -f -a '(__tenantctl_complete)'
