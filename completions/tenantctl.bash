# bash completion for tenantctl; generated from the command tree by `tenantctl completion bash`.

_tenantctl_is_node() {
    case "$1" in
        '') return 0 ;;
        'apikey') return 0 ;;
        'apikey create') return 0 ;;
        'apikey list') return 0 ;;
        'apikey revoke') return 0 ;;
        'apikey rotate') return 0 ;;
        'audit') return 0 ;;
        'audit import') return 0 ;;
        'audit partitions') return 0 ;;
        'audit partitions ensure') return 0 ;;
        'audit partitions list') return 0 ;;
        'audit partitions prune') return 0 ;;
        'audit query') return 0 ;;
        'audit record') return 0 ;;
        'audit seal') return 0 ;;
        'audit stats') return 0 ;;
        'audit tail') return 0 ;;
        'audit verify') return 0 ;;
        'citus') return 0 ;;
        'citus distribute') return 0 ;;
        'completion') return 0 ;;
        'config') return 0 ;;
        'config current-context') return 0 ;;
        'config get-contexts') return 0 ;;
        'config use-context') return 0 ;;
        'config view') return 0 ;;
        'doctor') return 0 ;;
        'gdpr') return 0 ;;
        'gdpr erase') return 0 ;;
        'gdpr export') return 0 ;;
        'gdpr lint') return 0 ;;
        'gdpr requests') return 0 ;;
        'gdpr requests add') return 0 ;;
        'gdpr requests close') return 0 ;;
        'gdpr requests list') return 0 ;;
        'gdpr requests show') return 0 ;;
        'help') return 0 ;;
        'init') return 0 ;;
        'keys') return 0 ;;
        'keys destroy') return 0 ;;
        'keys jwks') return 0 ;;
        'keys jwt') return 0 ;;
        'keys jwt activate') return 0 ;;
        'keys jwt list') return 0 ;;
        'keys jwt retire') return 0 ;;
        'keys jwt rotate') return 0 ;;
        'keys reencrypt') return 0 ;;
        'keys retire') return 0 ;;
        'keys rewrap') return 0 ;;
        'keys rotate') return 0 ;;
        'keys status') return 0 ;;
        'keys verify') return 0 ;;
        'maintain') return 0 ;;
        'migrate') return 0 ;;
        'migrate adopt') return 0 ;;
        'migrate baseline') return 0 ;;
        'migrate down') return 0 ;;
        'migrate lint') return 0 ;;
        'migrate new') return 0 ;;
        'migrate plan') return 0 ;;
        'migrate repair') return 0 ;;
        'migrate status') return 0 ;;
        'migrate up') return 0 ;;
        'migrate verify') return 0 ;;
        'sandbox') return 0 ;;
        'sandbox down') return 0 ;;
        'sandbox env') return 0 ;;
        'sandbox psql') return 0 ;;
        'sandbox status') return 0 ;;
        'sandbox up') return 0 ;;
        'tenant') return 0 ;;
        'tenant adopt') return 0 ;;
        'tenant apply') return 0 ;;
        'tenant copy') return 0 ;;
        'tenant create') return 0 ;;
        'tenant delete') return 0 ;;
        'tenant diff') return 0 ;;
        'tenant isolate') return 0 ;;
        'tenant list') return 0 ;;
        'tenant move') return 0 ;;
        'tenant place') return 0 ;;
        'tenant purge') return 0 ;;
        'tenant restore') return 0 ;;
        'tenant restore-from') return 0 ;;
        'tenant resume') return 0 ;;
        'tenant show') return 0 ;;
        'tenant suspend') return 0 ;;
        'tenant top') return 0 ;;
        'tenant update') return 0 ;;
        'version') return 0 ;;
    esac
    return 1
}

_tenantctl_children() {
    case "$1" in
        '') printf '%s\n' 'apikey	Issue, list, revoke and rotate tenants'\'' API keys' 'audit	Query, follow, seal, verify and maintain the audit log' 'citus	Place the app'\''s tables on a Citus cluster' 'completion	Print the completion script for bash, zsh or fish' 'config	Show the config file'\''s contexts and choose the current one' 'doctor	Check connectivity, versions and row-level security' 'gdpr	Export and erase personal data' 'help	Show the help of a command: tenantctl help tenant purge' 'init	Install or upgrade the platform schema (idempotent)' 'keys	Tenant data keys, re-encryption, the master key and JWT signing keys' 'maintain	Run every due housekeeping task once (for cron and systemd timers)' 'migrate	Apply the application'\''s SQL migrations: checksummed, locked,...' 'sandbox	Run a throwaway local PostgreSQL server for demos, development and tests' 'tenant	Create, change, suspend, delete and purge tenants' 'version	Print the client'\''s version, and the server'\''s and the platform schema'\''s' ;;
        'apikey') printf '%s\n' 'create	Issue an API key for a tenant (the plaintext is shown once)' 'list	List a tenant'\''s API keys (never the keys themselves)' 'revoke	Revoke an API key at once' 'rotate	Issue a replacement key' ;;
        'audit') printf '%s\n' 'import	Backfill the audit log from an existing audit table or an NDJSON file' 'partitions	List, premake and prune the audit log'\''s monthly partitions' 'query	Search a tenant'\''s audit events in a time window, newest first' 'record	Append an audit event from a script or runbook' 'seal	Extend each tenant'\''s hash chain over events not yet sealed (run from...' 'stats	Count audit events by action, actor, day or hour' 'tail	Show a tenant'\''s newest events' 'verify	Recompute the hash chains and report the first tampered event' ;;
        'audit partitions') printf '%s\n' 'ensure	Create the coming months'\'' partitions ahead of time' 'list	List the audit log'\''s partitions with range, rows and size' 'prune	Archive whole months older than a cutoff, then drop them' ;;
        'citus') printf '%s\n' 'distribute	Distribute the app'\''s tenant tables by their tenancy column' ;;
        'config') printf '%s\n' 'current-context	Print the context commands use (--context, else current_context)' 'get-contexts	List the config file'\''s contexts' 'use-context	Set current_context in the config file' 'view	Print the config file with passwords masked' ;;
        'gdpr') printf '%s\n' 'erase	Erase one data subject as the data map says, with a receipt' 'export	Export one data subject'\''s data, or a whole tenant' 'lint	List tenant-scoped columns the data map does not classify (exit 3)' 'requests	The register of data-subject requests and their one-month deadlines' ;;
        'gdpr requests') printf '%s\n' 'add	Register a request received now, to answer within a month' 'close	Close a GDPR request (the person was answered)' 'list	List GDPR requests with their due dates' 'show	Show one GDPR request, with its erasure receipt' ;;
        'keys') printf '%s\n' 'destroy	Erase a key version'\''s wrapped key for good (crypto-shredding)' 'jwks	Print the JWKS: next, active and retiring public keys' 'jwt	JWT signing keys: rotate, activate, retire and list them (`keys jwks`...' 'reencrypt	Re-encrypt a tenant'\''s encrypted columns under its active key (resumable)' 'retire	Retire a decrypt-only key version no value uses any more' 'rewrap	Re-wrap every data key, JWT private key and audit key under a new...' 'rotate	Add a new active data key version' 'status	Show each tenant'\''s key versions, states, ages and the values using each' 'verify	Check that every wrapped key unwraps and encrypted values decrypt' ;;
        'keys jwt') printf '%s\n' 'activate	Make the next key the signing key' 'list	List JWT signing keys with their states' 'retire	Retire a next or retiring signing key now (drops it from the JWKS)' 'rotate	Create the next JWT signing key (published, not yet signing)' ;;
        'migrate') printf '%s\n' 'adopt	Take over the history another migration tool recorded' 'baseline	Record VERSION as already applied, for an existing database' 'down	Revert the newest migrations (one by default)' 'lint	Flag dangerous statements in migration files (offline' 'new	Create a migration file in the directory'\''s layout (default...' 'plan	Print the SQL `migrate up` would run, per target' 'repair	Fix the ledger after a human intervened (audited)' 'status	Show applied, pending, failed and changed migrations' 'up	Apply pending migrations: the shared schema, then every tenant schema' 'verify	Check that every applied migration still matches its file (exit 8 if...' ;;
        'sandbox') printf '%s\n' 'down	Stop the sandbox server and delete its data' 'env	Print shell exports that point tenantctl at the sandbox' 'psql	Open psql on the sandbox' 'status	Show whether the sandbox runs, and where' 'up	Start the sandbox server (created on first use) and print its URL' ;;
        'tenant') printf '%s\n' 'adopt	Register the app'\''s existing tenants (tenancy.tenants_table)' 'apply	Make the tenants match a manifest (declarative, idempotent)' 'copy	Copy one tenant, with its keys and every row of its data, into...' 'create	Create a tenant with its first data key' 'delete	Mark a tenant for deletion after a grace period' 'diff	Compare one tenant'\''s data here with another database' 'isolate	Citus: give a tenant shards of its own' 'list	List tenants' 'move	Move one tenant into another database: copy, verify, switch over' 'place	Citus: move a tenant'\''s shards to another node' 'purge	Irreversibly delete a tenant'\''s data and destroy its keys' 'restore	Undo `tenant delete` within the grace period' 'restore-from	Bring one tenant'\''s rows back from a backup restored to a scratch server' 'resume	Make a suspended tenant active again' 'show	Show one tenant: settings, flags, keys, row counts, recent audit events' 'suspend	Suspend a tenant until it is resumed' 'top	Citus: the busiest tenants by CPU, from citus_stat_tenants' 'update	Change a tenant'\''s name, plan, region, settings or flags' ;;
    esac
}

_tenantctl_options() {
    case "$1" in
        'apikey create') printf '%s\n' '--tenant	the tenant' '--name	what the key is for' '--scope	a permission (repeatable)' '--expires	a duration from now (90d) or a time (RFC 3339)' ;;
        'apikey list') printf '%s\n' '--tenant	the tenant' '--all	include revoked and expired keys' ;;
        'apikey revoke') printf '%s\n' '--tenant	the tenant' ;;
        'apikey rotate') printf '%s\n' '--tenant	the tenant' '--overlap	how long the old key stays valid (default 24h)' ;;
        'audit import') printf '%s\n' '--from	[schema.]table in this database, or the path of an NDJSON file' '--map	take audit_log COLUMN from the source'\''s column or key SOURCE (repeatable' '--tenant	every event belongs to this tenant (no tenant_id in the source)' '--key	table sources: a unique column to import in order by (default id)' '--timezone	the zone of source times written without one (timestamp without time...' '--batch	events per transaction (default 5000)' '--no-seal	leave sealing to the next `audit seal`' ;;
        'audit partitions ensure') printf '%s\n' '--ahead	months after the current one (default audit.premake, 3)' ;;
        'audit partitions prune') printf '%s\n' '--older-than	drop months that ended before now minus this (default 13mo)' '--archive	write each month here first as NDJSON.gz plus a .sha256 file (default...' '--no-archive	drop without archiving (asks first' ;;
        'audit query') printf '%s\n' '--tenant	tenant slug (required unless --all-tenants)' '--all-tenants	search every tenant (slower: no tenant prefix in the index)' '--since	start of the window: RFC 3339 time or a duration ago (default 7d)' '--until	end of the window (default now)' '--actor	only events by this actor id' '--action	only actions matching this glob, e.g. '\''user.*'\''' '--resource	only events on this resource type (and id)' '--where	metadata match, repeatable: metadata.KEY=VALUE' '--limit	at most N events (default 100' '--after	continue after the cursor printed with the previous page' '--explain	show the partitions scanned and the query plan instead of rows' ;;
        'audit record') printf '%s\n' '--tenant	tenant slug' '--action	dotted lower-case action, e.g. runbook.failover' '--resource	what the action was on' '--metadata	a JSON object with details (no secrets or personal data)' '--actor-type	actor type recorded (default operator)' ;;
        'audit seal') printf '%s\n' '--tenant	only this tenant (default: every tenant and platform events)' '--settle	leave events younger than this for the next run (default 60s), so...' '--parallel	tenants sealed at once, one connection each (default 2)' ;;
        'audit stats') printf '%s\n' '--tenant	tenant slug (required unless --all-tenants)' '--all-tenants	count over every tenant' '--by	grouping (default action)' '--since	start of the window (default 7d)' '--until	end of the window (default now)' ;;
        'audit tail') printf '%s\n' '--tenant	tenant slug' '--lines	how many of the newest events to show first (default 20)' '-n	how many of the newest events to show first (default 20)' '--follow	keep running and print events as they are committed (LISTEN/NOTIFY' '-f	keep running and print events as they are committed (LISTEN/NOTIFY' ;;
        'audit verify') printf '%s\n' '--tenant	verify this tenant' '--all	verify every tenant and the platform events' '--since	start from the last checkpoint before this time' ;;
        'doctor') printf '%s\n' '--check	run only this check (repeatable): connection, server_version,...' '--metrics-file	also write the results as a Prometheus textfile (atomically)' '--probe	instead of the checks, try every cross-tenant path as the app role in...' ;;
        'gdpr erase') printf '%s\n' '--tenant	tenant slug' '--subject	the person: email:ADDRESS, id:KEY or COLUMN:VALUE' '--output-file	write the receipt here (0600) instead of stdout (- is stdout)' '-O	write the receipt here (0600) instead of stdout (- is stdout)' '--force	overwrite an existing -O file' '--request	complete this open request (gdpr requests add)' ;;
        'gdpr export') printf '%s\n' '--tenant	tenant slug' '--subject	the person: email:ADDRESS, id:KEY or COLUMN:VALUE' '--all	export every tenant-scoped table of the tenant (needs -O FILE.tar.gz,...' '--output-file	where to write (created 0600' '-O	where to write (created 0600' '--format	subject export as a zip file or one JSON document on stdout' '--table-format	file format per table for --all' '--force	overwrite an existing -O file' '--request	complete this open request (gdpr requests add)' ;;
        'gdpr requests add') printf '%s\n' '--tenant	tenant slug' '--kind	what was asked' '--subject	a reference to the person (e.g. id:KEY' '--received	when it was received (RFC 3339' '--note	free text' ;;
        'gdpr requests close') printf '%s\n' '--note	why or how it was closed' ;;
        'gdpr requests list') printf '%s\n' '--tenant	only this tenant' '--open	only requests not yet answered' '--overdue	only open requests past their due date' ;;
        'init') printf '%s\n' '--citus	require a Citus coordinator (without it init refuses instead of...' ;;
        'keys destroy') printf '%s\n' '--tenant	the tenant' '--version	the key version' '--force	destroy even though values still use it: they become unreadable' ;;
        'keys jwt activate') printf '%s\n' '--force	activate even if the key was published less than 5 minutes ago' '--retire-previous	drop the previous key from the JWKS at once (leaked key: its tokens...' ;;
        'keys jwt rotate') printf '%s\n' '--alg	RS256 (default: keys.jwt_alg) or ES256' ;;
        'keys reencrypt') printf '%s\n' '--tenant	the tenant' '--all	every tenant that is not purged (failures are reported, exit 9)' '--batch-size	rows per batch transaction (default 10000)' '--max-rate	at most this many rows per second (default: no limit)' '--fire-triggers	run the app'\''s triggers on every re-encrypted row (by default they...' ;;
        'keys retire') printf '%s\n' '--tenant	the tenant' '--version	the key version' ;;
        'keys rewrap') printf '%s\n' '--new-master-key	where the new master key is: env:NAME, file:PATH or cmd:COMMAND' ;;
        'keys rotate') printf '%s\n' '--tenant	the tenant' '--all	every tenant that is not purged (failures are reported, exit 9)' '--reencrypt	re-encrypt the tenant'\''s data under the new key afterwards' '--batch-size	rows per re-encryption batch (with --reencrypt)' '--max-rate	at most this many rows per second (with --reencrypt)' '--fire-triggers	with --reencrypt, run the app'\''s triggers on every re-encrypted row...' ;;
        'keys status') printf '%s\n' '--tenant	only this tenant' '--no-usage	skip counting encrypted values per version (no data scan)' ;;
        'keys verify') printf '%s\n' '--tenant	only this tenant' '--sample	also decrypt N random values per tenant and column' '--all	also decrypt every encrypted value' ;;
        'maintain') printf '%s\n' '--only	run just this task (also when disabled in the config)' '--max-duration	stop purges and re-encryption between batches after this long' '--settle	audit-seal leaves events younger than this (default 60s)' '--batch-size	rows per transaction in purges and re-encryption' '--metrics-file	write per-task Prometheus metrics to this textfile (atomically)' ;;
        'migrate adopt') printf '%s\n' '--from	the tool: flyway, golang-migrate, dbmate or prisma' '--history-table	that tool'\''s history table (default: flyway_schema_history,...' '--dir	migrations directory (default: the config'\''s migrations.dir, else...' ;;
        'migrate baseline') printf '%s\n' '--scope	shared (default) or tenant (every selected tenant schema)' '--dir	migrations directory (default: the config'\''s migrations.dir, else...' '--tenants	only these tenants (slugs, comma-separated or repeated)' '--exclude	skip these tenants (slugs, comma-separated or repeated)' ;;
        'migrate down') printf '%s\n' '--to	revert everything newer than this version (which stays applied)' '--steps	revert this many migrations (default 1)' '--scope	shared (default) or tenant (every tenant schema)' '--dir	migrations directory (default: the config'\''s migrations.dir, else...' '--tenants	only these tenants (slugs, comma-separated or repeated)' '--exclude	skip these tenants (slugs, comma-separated or repeated)' '--parallel	tenant schemas reverted at once' '--continue-on-error	keep going after a tenant schema fails' '--lock-retries	retries after a lock timeout (default 3)' ;;
        'migrate lint') printf '%s\n' '--dir	migrations directory (default: the config'\''s migrations.dir, else...' '--changed-since	report only files added or changed since this git revision (the...' ;;
        'migrate new') printf '%s\n' '--scope	shared (default) or tenant (runs in every tenant schema)' '--dir	migrations directory (default: the config'\''s migrations.dir, else...' ;;
        'migrate plan') printf '%s\n' '--to	stop at this version (inclusive)' '--allow-out-of-order	apply files older than the newest applied one (refused by default,...' '--dir	migrations directory (default: the config'\''s migrations.dir, else...' '--tenants	only these tenants (slugs, comma-separated or repeated)' '--exclude	skip these tenants (slugs, comma-separated or repeated)' ;;
        'migrate repair') printf '%s\n' '--mark-applied	a failed no-transaction migration that was finished by hand: record...' '--forget	remove this ledger row (a migration undone by hand, or whose file was...' '--scope	shared (default) or tenant' '--dir	migrations directory (default: the config'\''s migrations.dir, else...' '--tenants	only these tenants (slugs, comma-separated or repeated)' '--exclude	skip these tenants (slugs, comma-separated or repeated)' ;;
        'migrate status') printf '%s\n' '--check	exit 3 when anything is pending or failed (8 when a file changed)' '--dir	migrations directory (default: the config'\''s migrations.dir, else...' '--tenants	only these tenants (slugs, comma-separated or repeated)' '--exclude	skip these tenants (slugs, comma-separated or repeated)' ;;
        'migrate up') printf '%s\n' '--to	stop at this version (inclusive)' '--allow-out-of-order	apply files older than the newest applied one (refused by default,...' '--dir	migrations directory (default: the config'\''s migrations.dir, else...' '--tenants	only these tenants (slugs, comma-separated or repeated)' '--exclude	skip these tenants (slugs, comma-separated or repeated)' '--parallel	tenant schemas migrated at once, one connection each (capped by the...' '--continue-on-error	keep migrating other tenant schemas after one fails (exit 9 at the end)' '--resume	retry the tenant schemas of an earlier run that failed or did not start' '--lock-retries	retries (with backoff) of a migration that hit its lock_timeout...' ;;
        'migrate verify') printf '%s\n' '--dir	migrations directory (default: the config'\''s migrations.dir, else...' '--tenants	only these tenants (slugs, comma-separated or repeated)' '--exclude	skip these tenants (slugs, comma-separated or repeated)' ;;
        'sandbox down') printf '%s\n' '--dir	state directory (default $TENANTCTL_SANDBOX_DIR, else...' '--keep	stop the server but keep its data' ;;
        'sandbox env') printf '%s\n' '--dir	state directory (default $TENANTCTL_SANDBOX_DIR, else...' ;;
        'sandbox psql') printf '%s\n' '--dir	state directory (default $TENANTCTL_SANDBOX_DIR, else...' ;;
        'sandbox status') printf '%s\n' '--dir	state directory (default $TENANTCTL_SANDBOX_DIR, else...' ;;
        'sandbox up') printf '%s\n' '--dir	state directory (default $TENANTCTL_SANDBOX_DIR, else...' '--port	port number of its Unix socket (default: a free one)' '--no-init	do not install the platform schema' ;;
        'tenant apply') printf '%s\n' '--file	the manifest (YAML' '-f	the manifest (YAML' '--prune	delete (with --grace) active and suspended tenants the manifest does...' '--grace	grace period of pruned tenants (default 30d)' ;;
        'tenant copy') printf '%s\n' '--to	the destination: a context of the config file' '--to-master-key	where the destination'\''s master key is read from (env:NAME, file:PATH...' '--as	copy it as a new tenant with this slug and a new id, written into...' '--as-key	with --as, where the app keys tenants by its own key rather than the...' '--anonymize	apply the data map'\''s anonymization to every pii column and replace...' '--allow-unclassified	with --anonymize, copy columns the data map does not classify as they...' '--fire-triggers	run the app'\''s triggers on the rows written, as its own inserts would...' ;;
        'tenant create') printf '%s\n' '--name	display name' '--plan	billing plan' '--region	where the tenant'\''s data lives' '--id	use this UUID instead of a random one' '--key	the value the app'\''s tenancy columns hold for this tenant, when it is...' '--admin-email	the tenant'\''s administrative contact' '--isolation	shared (RLS) or schema' '--if-not-exists	succeed without changes when the slug exists' ;;
        'tenant delete') printf '%s\n' '--grace	how long until it may be purged (default 30d)' '--reason	why' ;;
        'tenant diff') printf '%s\n' '--against	the other database: a context of the config file' '--as	the tenant'\''s slug at the other database when it was copied there with...' ;;
        'tenant isolate') printf '%s\n' '--transfer-mode	how Citus copies the shards: auto (logical replication, the tenant'\''s...' ;;
        'tenant list') printf '%s\n' '--status	only this status: active, suspended, pending_deletion, purged, or all...' '--plan	only tenants on this plan' '--region	only tenants in this region' '--by-node	Citus: add the node that holds each tenant'\''s shard, and group the...' ;;
        'tenant move') printf '%s\n' '--to	the destination: a context of the config file' '--to-master-key	where the destination'\''s master key is read from (env:NAME, file:PATH...' '--grace	how long the tenant'\''s rows stay here once it has moved, before...' '--drain-timeout	how long to wait for transactions that began before the freeze to...' '--online	stream the rows by logical replication while the app writes' '--abort	roll back a move that cannot finish: the copy deleted at the...' '--batch-size	rows per transaction of the copy at the destination: a killed move...' '--fire-triggers	run the app'\''s triggers on the rows the copy writes, as its own...' ;;
        'tenant place') printf '%s\n' '--node	the node to put it on, as pg_dist_node names it' '--transfer-mode	how Citus copies the shards: auto (logical replication, the tenant'\''s...' '--whole-shard	move a shard the tenant shares with others, and them with it...' ;;
        'tenant purge') printf '%s\n' '--due	purge every tenant whose grace period has ended' '--force	purge even if the tenant is not pending deletion or its grace period...' '--batch-size	rows per transaction (default 5000)' '--max-duration	stop between batches after this long' ;;
        'tenant restore') printf '%s\n' '--force	restore even after the grace period ended (if not purged)' ;;
        'tenant restore-from') printf '%s\n' '--mode	replace: the tenant'\''s rows become the backup'\''s' '--tables	only these tables (schema.table or table, comma-separated or repeated)' '--point-in-time-note	what the backup is ("PITR 2026-12-01 09:00 UTC, before the bulk...' '--fire-triggers	run the app'\''s triggers on the rows deleted and written, as its own...' ;;
        'tenant resume') printf '%s\n' '--reason	why' ;;
        'tenant show') printf '%s\n' '--events	how many recent audit events to include (default 10)' ;;
        'tenant suspend') printf '%s\n' '--reason	why' ;;
        'tenant top') printf '%s\n' '--limit	how many tenants (default 10)' ;;
        'tenant update') printf '%s\n' '--name	new display name' '--plan	new plan' '--region	new region' '--admin-email	new administrative contact' '--set	set a setting (repeatable)' '--unset	remove a setting (repeatable)' '--flag	turn a feature flag on or off (repeatable)' ;;
        'version') printf '%s\n' '--client	only the client' ;;
    esac
    printf '%s\n' '--database	PostgreSQL connection string or URI' '-d	PostgreSQL connection string or URI' '--config	configuration file (default ./tenantctl.yaml, then...' '-c	configuration file (default ./tenantctl.yaml, then...' '--context	named connection from the config'\''s contexts' '--output	output format: table, wide (a table with every column, full...' '-o	output format: table, wide (a table with every column, full...' '--jq	print what a jq program makes of the JSON result (strings without...' '--sort-by	sort result rows by a column (numbers by value, empty last)' '--actor	operator recorded in audit events (default user@host)' '--yes	answer yes to confirmations (required without a terminal)' '-y	answer yes to confirmations (required without a terminal)' '--dry-run	show what a mutating command would do' '--quiet	only warnings and errors on stderr, and with the table output nothing...' '-q	only warnings and errors on stderr, and with the table output nothing...' '--verbose	debug messages on stderr' '-v	debug messages on stderr' '--no-headers	table and csv output without the header row (for scripts)' '--log-format	stderr log format: text or json' '--no-color	no colors (also when NO_COLOR is set)' '--lock-timeout	how long to wait for another run'\''s lock before exiting with 6...' '--progress	progress bars: auto (on a terminal), always or never' '--help	show the help of the command' '--version	print the version and the git commit'
}

_tenantctl_values() {
    case "$1|$2" in
        'sandbox up|--dir') return 3 ;;
        'sandbox up|--port') :; return 0 ;;
        'sandbox down|--dir') return 3 ;;
        'sandbox status|--dir') return 3 ;;
        'sandbox env|--dir') return 3 ;;
        'sandbox psql|--dir') return 3 ;;
        'doctor|--check') printf '%s\n' 'doctor-checks'; return 4 ;;
        'doctor|--metrics-file') return 2 ;;
        'tenant create|--name') :; return 0 ;;
        'tenant create|--plan') :; return 0 ;;
        'tenant create|--region') :; return 0 ;;
        'tenant create|--id') :; return 0 ;;
        'tenant create|--key') :; return 0 ;;
        'tenant create|--admin-email') :; return 0 ;;
        'tenant create|--isolation') printf '%s\n' 'shared' 'schema'; return 0 ;;
        'tenant list|--status') printf '%s\n' 'active' 'suspended' 'pending_deletion' 'purged' 'all'; return 0 ;;
        'tenant list|--plan') :; return 0 ;;
        'tenant list|--region') :; return 0 ;;
        'tenant show|--events') :; return 0 ;;
        'tenant show|@1') printf '%s\n' 'tenants'; return 4 ;;
        'tenant update|--name') :; return 0 ;;
        'tenant update|--plan') :; return 0 ;;
        'tenant update|--region') :; return 0 ;;
        'tenant update|--admin-email') :; return 0 ;;
        'tenant update|--set') :; return 0 ;;
        'tenant update|--unset') :; return 0 ;;
        'tenant update|--flag') :; return 0 ;;
        'tenant update|@1') printf '%s\n' 'tenants'; return 4 ;;
        'tenant suspend|--reason') :; return 0 ;;
        'tenant suspend|@1') printf '%s\n' 'tenants'; return 4 ;;
        'tenant resume|--reason') :; return 0 ;;
        'tenant resume|@1') printf '%s\n' 'tenants'; return 4 ;;
        'tenant delete|--grace') :; return 0 ;;
        'tenant delete|--reason') :; return 0 ;;
        'tenant delete|@1') printf '%s\n' 'tenants'; return 4 ;;
        'tenant restore|@1') printf '%s\n' 'tenants'; return 4 ;;
        'tenant purge|--batch-size') :; return 0 ;;
        'tenant purge|--max-duration') :; return 0 ;;
        'tenant purge|@1') printf '%s\n' 'tenants'; return 4 ;;
        'tenant apply|--file') return 2 ;;
        'tenant apply|-f') return 2 ;;
        'tenant apply|--grace') :; return 0 ;;
        'tenant copy|--to') printf '%s\n' 'contexts'; return 4 ;;
        'tenant copy|--to-master-key') :; return 0 ;;
        'tenant copy|--as') :; return 0 ;;
        'tenant copy|--as-key') :; return 0 ;;
        'tenant copy|@1') printf '%s\n' 'tenants'; return 4 ;;
        'tenant diff|--against') printf '%s\n' 'contexts'; return 4 ;;
        'tenant diff|--as') :; return 0 ;;
        'tenant diff|@1') printf '%s\n' 'tenants'; return 4 ;;
        'tenant restore-from|--mode') printf '%s\n' 'replace' 'merge'; return 0 ;;
        'tenant restore-from|--tables') :; return 0 ;;
        'tenant restore-from|--point-in-time-note') :; return 0 ;;
        'tenant restore-from|@1') printf '%s\n' 'contexts'; return 4 ;;
        'tenant restore-from|@2') printf '%s\n' 'tenants'; return 4 ;;
        'tenant move|--to') printf '%s\n' 'contexts'; return 4 ;;
        'tenant move|--to-master-key') :; return 0 ;;
        'tenant move|--grace') :; return 0 ;;
        'tenant move|--drain-timeout') :; return 0 ;;
        'tenant move|--batch-size') :; return 0 ;;
        'tenant move|@1') printf '%s\n' 'tenants'; return 4 ;;
        'tenant isolate|--transfer-mode') printf '%s\n' 'auto' 'force_logical' 'block_writes'; return 0 ;;
        'tenant isolate|@1') printf '%s\n' 'tenants'; return 4 ;;
        'tenant place|--node') :; return 0 ;;
        'tenant place|--transfer-mode') printf '%s\n' 'auto' 'force_logical' 'block_writes'; return 0 ;;
        'tenant place|@1') printf '%s\n' 'tenants'; return 4 ;;
        'tenant top|--limit') :; return 0 ;;
        'keys status|--tenant') printf '%s\n' 'tenants'; return 4 ;;
        'keys rotate|--tenant') printf '%s\n' 'tenants'; return 4 ;;
        'keys rotate|--batch-size') :; return 0 ;;
        'keys rotate|--max-rate') :; return 0 ;;
        'keys reencrypt|--tenant') printf '%s\n' 'tenants'; return 4 ;;
        'keys reencrypt|--batch-size') :; return 0 ;;
        'keys reencrypt|--max-rate') :; return 0 ;;
        'keys retire|--tenant') printf '%s\n' 'tenants'; return 4 ;;
        'keys retire|--version') :; return 0 ;;
        'keys destroy|--tenant') printf '%s\n' 'tenants'; return 4 ;;
        'keys destroy|--version') :; return 0 ;;
        'keys rewrap|--new-master-key') :; return 0 ;;
        'keys verify|--tenant') printf '%s\n' 'tenants'; return 4 ;;
        'keys verify|--sample') :; return 0 ;;
        'keys jwt rotate|--alg') printf '%s\n' 'RS256' 'ES256'; return 0 ;;
        'keys jwt activate|@1') printf '%s\n' 'jwt-kids'; return 4 ;;
        'keys jwt retire|@1') printf '%s\n' 'jwt-kids'; return 4 ;;
        'apikey create|--tenant') printf '%s\n' 'tenants'; return 4 ;;
        'apikey create|--name') :; return 0 ;;
        'apikey create|--scope') :; return 0 ;;
        'apikey create|--expires') :; return 0 ;;
        'apikey list|--tenant') printf '%s\n' 'tenants'; return 4 ;;
        'apikey revoke|--tenant') printf '%s\n' 'tenants'; return 4 ;;
        'apikey revoke|@1') printf '%s\n' 'api-keys'; return 4 ;;
        'apikey rotate|--tenant') printf '%s\n' 'tenants'; return 4 ;;
        'apikey rotate|--overlap') :; return 0 ;;
        'apikey rotate|@1') printf '%s\n' 'api-keys'; return 4 ;;
        'migrate new|--scope') printf '%s\n' 'shared' 'tenant'; return 0 ;;
        'migrate new|--dir') return 3 ;;
        'migrate status|--dir') return 3 ;;
        'migrate status|--tenants') printf '%s\n' 'tenants'; return 4 ;;
        'migrate status|--exclude') printf '%s\n' 'tenants'; return 4 ;;
        'migrate plan|--to') :; return 0 ;;
        'migrate plan|--dir') return 3 ;;
        'migrate plan|--tenants') printf '%s\n' 'tenants'; return 4 ;;
        'migrate plan|--exclude') printf '%s\n' 'tenants'; return 4 ;;
        'migrate up|--to') :; return 0 ;;
        'migrate up|--dir') return 3 ;;
        'migrate up|--tenants') printf '%s\n' 'tenants'; return 4 ;;
        'migrate up|--exclude') printf '%s\n' 'tenants'; return 4 ;;
        'migrate up|--parallel') :; return 0 ;;
        'migrate up|--resume') :; return 0 ;;
        'migrate up|--lock-retries') :; return 0 ;;
        'migrate down|--to') :; return 0 ;;
        'migrate down|--steps') :; return 0 ;;
        'migrate down|--scope') printf '%s\n' 'shared' 'tenant'; return 0 ;;
        'migrate down|--dir') return 3 ;;
        'migrate down|--tenants') printf '%s\n' 'tenants'; return 4 ;;
        'migrate down|--exclude') printf '%s\n' 'tenants'; return 4 ;;
        'migrate down|--parallel') :; return 0 ;;
        'migrate down|--lock-retries') :; return 0 ;;
        'migrate verify|--dir') return 3 ;;
        'migrate verify|--tenants') printf '%s\n' 'tenants'; return 4 ;;
        'migrate verify|--exclude') printf '%s\n' 'tenants'; return 4 ;;
        'migrate baseline|--scope') printf '%s\n' 'shared' 'tenant'; return 0 ;;
        'migrate baseline|--dir') return 3 ;;
        'migrate baseline|--tenants') printf '%s\n' 'tenants'; return 4 ;;
        'migrate baseline|--exclude') printf '%s\n' 'tenants'; return 4 ;;
        'migrate repair|--mark-applied') :; return 0 ;;
        'migrate repair|--forget') :; return 0 ;;
        'migrate repair|--scope') printf '%s\n' 'shared' 'tenant'; return 0 ;;
        'migrate repair|--dir') return 3 ;;
        'migrate repair|--tenants') printf '%s\n' 'tenants'; return 4 ;;
        'migrate repair|--exclude') printf '%s\n' 'tenants'; return 4 ;;
        'migrate lint|--dir') return 3 ;;
        'migrate lint|--changed-since') :; return 0 ;;
        'migrate lint|@'*) return 2 ;;
        'migrate adopt|--from') printf '%s\n' 'flyway' 'golang-migrate' 'dbmate' 'prisma'; return 0 ;;
        'migrate adopt|--history-table') :; return 0 ;;
        'migrate adopt|--dir') return 3 ;;
        'gdpr export|--tenant') printf '%s\n' 'tenants'; return 4 ;;
        'gdpr export|--subject') :; return 0 ;;
        'gdpr export|--output-file') return 2 ;;
        'gdpr export|-O') return 2 ;;
        'gdpr export|--format') printf '%s\n' 'zip' 'json'; return 0 ;;
        'gdpr export|--table-format') printf '%s\n' 'ndjson' 'csv'; return 0 ;;
        'gdpr export|--request') printf '%s\n' 'gdpr-requests'; return 4 ;;
        'gdpr erase|--tenant') printf '%s\n' 'tenants'; return 4 ;;
        'gdpr erase|--subject') :; return 0 ;;
        'gdpr erase|--output-file') return 2 ;;
        'gdpr erase|-O') return 2 ;;
        'gdpr erase|--request') printf '%s\n' 'gdpr-requests'; return 4 ;;
        'gdpr requests list|--tenant') printf '%s\n' 'tenants'; return 4 ;;
        'gdpr requests show|@1') printf '%s\n' 'gdpr-requests'; return 4 ;;
        'gdpr requests close|--note') :; return 0 ;;
        'gdpr requests close|@1') printf '%s\n' 'gdpr-requests'; return 4 ;;
        'gdpr requests add|--tenant') printf '%s\n' 'tenants'; return 4 ;;
        'gdpr requests add|--kind') printf '%s\n' 'export' 'erase' 'export_all'; return 0 ;;
        'gdpr requests add|--subject') :; return 0 ;;
        'gdpr requests add|--received') :; return 0 ;;
        'gdpr requests add|--note') :; return 0 ;;
        'audit query|--tenant') printf '%s\n' 'tenants'; return 4 ;;
        'audit query|--since') :; return 0 ;;
        'audit query|--until') :; return 0 ;;
        'audit query|--actor') :; return 0 ;;
        'audit query|--action') :; return 0 ;;
        'audit query|--resource') :; return 0 ;;
        'audit query|--where') :; return 0 ;;
        'audit query|--limit') :; return 0 ;;
        'audit query|--after') :; return 0 ;;
        'audit tail|--tenant') printf '%s\n' 'tenants'; return 4 ;;
        'audit tail|--lines') :; return 0 ;;
        'audit tail|-n') :; return 0 ;;
        'audit stats|--tenant') printf '%s\n' 'tenants'; return 4 ;;
        'audit stats|--by') printf '%s\n' 'action' 'actor' 'day' 'hour'; return 0 ;;
        'audit stats|--since') :; return 0 ;;
        'audit stats|--until') :; return 0 ;;
        'audit record|--tenant') printf '%s\n' 'tenants'; return 4 ;;
        'audit record|--action') :; return 0 ;;
        'audit record|--resource') :; return 0 ;;
        'audit record|--metadata') :; return 0 ;;
        'audit record|--actor-type') :; return 0 ;;
        'audit seal|--tenant') printf '%s\n' 'tenants'; return 4 ;;
        'audit seal|--settle') :; return 0 ;;
        'audit seal|--parallel') :; return 0 ;;
        'audit verify|--tenant') printf '%s\n' 'tenants'; return 4 ;;
        'audit verify|--since') :; return 0 ;;
        'audit partitions ensure|--ahead') :; return 0 ;;
        'audit partitions prune|--older-than') :; return 0 ;;
        'audit partitions prune|--archive') return 3 ;;
        'audit import|--from') :; return 0 ;;
        'audit import|--map') :; return 0 ;;
        'audit import|--tenant') printf '%s\n' 'tenants'; return 4 ;;
        'audit import|--key') :; return 0 ;;
        'audit import|--timezone') :; return 0 ;;
        'audit import|--batch') :; return 0 ;;
        'maintain|--only') printf '%s\n' 'audit-partitions' 'audit-seal' 'audit-prune' 'tenant-purge' 'key-rotate' 'key-reencrypt' 'jwt-retire' 'gdpr-due'; return 0 ;;
        'maintain|--max-duration') :; return 0 ;;
        'maintain|--settle') :; return 0 ;;
        'maintain|--batch-size') :; return 0 ;;
        'maintain|--metrics-file') return 2 ;;
        'completion|@1') printf '%s\n' 'bash' 'zsh' 'fish'; return 0 ;;
        'config use-context|@1') printf '%s\n' 'contexts'; return 4 ;;
        *'|--database') :; return 0 ;;
        *'|-d') :; return 0 ;;
        *'|--config') return 2 ;;
        *'|-c') return 2 ;;
        *'|--context') printf '%s\n' 'contexts'; return 4 ;;
        *'|--output') printf '%s\n' 'table' 'wide' 'json' 'ndjson' 'yaml' 'csv' 'name'; return 0 ;;
        *'|-o') printf '%s\n' 'table' 'wide' 'json' 'ndjson' 'yaml' 'csv' 'name'; return 0 ;;
        *'|--jq') :; return 0 ;;
        *'|--sort-by') :; return 0 ;;
        *'|--actor') :; return 0 ;;
        *'|--log-format') printf '%s\n' 'text' 'json'; return 0 ;;
        *'|--lock-timeout') :; return 0 ;;
        *'|--progress') printf '%s\n' 'auto' 'always' 'never'; return 0 ;;
    esac
    return 1
}

_tenantctl_passed_name() {
    case "$1" in
        '--database') echo '--database' ;;
        '-d') echo '--database' ;;
        '--config') echo '--config' ;;
        '-c') echo '--config' ;;
        '--context') echo '--context' ;;
        '--tenant') echo '--tenant' ;;
        *) return 1 ;;
    esac
}

_tenantctl_takes_value() {
    _tenantctl_values "$1" "$2" >/dev/null
    (( $? != 1 ))
}

# Remembers an option that chooses the database (or --tenant) with its value, as the value
# completers must see it: --database=VALUE, one word, whatever VALUE holds.
_tenantctl_pass() {
    local name value="$2"
    name="$(_tenantctl_passed_name "$1")" || return 0
    [[ "$value" == "~/"* ]] && value="$HOME/${value:2}"
    _tenantctl_flags+=("$name=$value")
}

# The same for a value attached to its option: --database=URL, -dURL.
_tenantctl_pass_attached() {
    case "$1" in
        --*=*) _tenantctl_pass "${1%%=*}" "${1#*=}" ;;
        --*) ;;
        -??*) _tenantctl_pass "${1:0:2}" "${1:2}" ;;
    esac
}

# The candidates of a value slot: static ones from the tree, dynamic ones from
# `tenantctl __complete KIND` against the database the line names. Status 2: file names,
# 3: directories. Stdin is closed (never a password prompt) and stderr is dropped (never
# a message over the prompt).
_tenantctl_candidates() {
    local out rc
    out="$(_tenantctl_values "$1" "$2")"
    rc=$?
    case $rc in
        0) printf '%s\n' "$out" ;;
        4) command tenantctl __complete "$out" ${_tenantctl_flags[@]+"${_tenantctl_flags[@]}"} </dev/null 2>/dev/null ;;
        *) return $rc ;;
    esac
    return 0
}

# The words before the cursor, joined again where bash split them at COMP_WORDBREAKS
# (':' and '=' cut `-d postgresql://host/db` into four words), and read as the command will
# receive them: quotes removed, nothing expanded or run.
_tenantctl_line_words() {
    local rest="${COMP_LINE-}" w i
    for ((i = 0; i < COMP_CWORD; i++)); do
        w="${COMP_WORDS[i]}"
        local trimmed="${rest#"${rest%%[![:space:]]*}"}"
        if (( i > 0 )) && [[ "$trimmed" == "$rest" && -n "$w" && "$rest" == "$w"* ]]; then
            _tenantctl_words[${#_tenantctl_words[@]}-1]+="$w"
        else
            _tenantctl_words+=("$w")
        fi
        rest="${trimmed#"$w"}"
    done
    for ((i = 0; i < ${#_tenantctl_words[@]}; i++)); do
        _tenantctl_words[i]="$(_tenantctl_dequote "${_tenantctl_words[i]}")"
    done
}

# Quote removal as the shell does it before running the command ('...', "...", \x); no
# expansion: `"$HOME"` stays those five characters, and nothing is run.
_tenantctl_dequote() {
    local word="$1" out="" c quote="" i
    for ((i = 0; i < ${#word}; i++)); do
        c="${word:i:1}"
        if [[ "$quote" == "'" ]]; then
            [[ "$c" == "'" ]] && quote="" || out+="$c"
        elif [[ "$c" == "\\" ]]; then
            ((i++))
            out+="${word:i:1}"
        elif [[ -n "$quote" && "$c" == "$quote" ]]; then
            quote=""
        elif [[ -z "$quote" && ( "$c" == "'" || "$c" == '"' ) ]]; then
            quote="$c"
        else
            out+="$c"
        fi
    done
    printf '%s' "$out"
}

# Adds the candidates ("word<TAB>description" lines) that begin with the word typed, quoted
# for the command line (compgen -W would expand them).
_tenantctl_offer() {
    local line word typed
    typed="$(_tenantctl_dequote "$cur")"
    while IFS= read -r line; do
        word="${line%%$'\t'*}"
        [[ -n "$word" && "$word" == "$typed"* ]] || continue
        printf -v word '%q' "$word"
        COMPREPLY+=("$word")
    done <<<"$1"
}

_tenantctl_offer_slot() {
    local out
    out="$(_tenantctl_candidates "$1" "$2")"
    case $? in
        2) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
        3) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
        *) _tenantctl_offer "$out" ;;
    esac
}

_tenantctl() {
    local cur="${COMP_WORDS[COMP_CWORD]}"
    local -a _tenantctl_words=() _tenantctl_flags=()
    _tenantctl_line_words
    local cmdpath="" valopt="" w i positionals=0
    for ((i = 1; i < ${#_tenantctl_words[@]}; i++)); do
        w="${_tenantctl_words[i]}"
        if [[ "$w" == -?* ]]; then
            if [[ "$w" != *=* ]] && _tenantctl_takes_value "$cmdpath" "$w"; then
                if (( i + 1 == ${#_tenantctl_words[@]} )); then valopt="$w"; break; fi
                _tenantctl_pass "$w" "${_tenantctl_words[i + 1]}"
                ((i++))
            else
                _tenantctl_pass_attached "$w"
            fi
        elif (( positionals == 0 )) && _tenantctl_is_node "${cmdpath:+$cmdpath }$w"; then
            cmdpath="${cmdpath:+$cmdpath }$w"
        else
            ((positionals++))
        fi
    done
    COMPREPLY=()
    if [[ -n "$valopt" ]]; then
        _tenantctl_offer_slot "$cmdpath" "$valopt"
    elif [[ "$cur" == -* ]]; then
        _tenantctl_offer "$(_tenantctl_options "$cmdpath")"
    elif [[ -n "$(_tenantctl_children "$cmdpath")" ]]; then
        _tenantctl_offer "$(_tenantctl_children "$cmdpath")"
    else
        _tenantctl_offer_slot "$cmdpath" "@$((positionals + 1))"
    fi
    return 0
}
complete -F _tenantctl tenantctl
