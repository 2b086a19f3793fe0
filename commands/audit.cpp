// tenantctl audit query|tail|stats|record|seal|verify|partitions ...
#include <fmt/format.h>

#include <regex>

#include "cli/registry.hpp"
#include "commands/commands.hpp"
#include "core/audit/append.hpp"
#include "core/audit/chain.hpp"
#include "core/audit/import.hpp"
#include "core/audit/partitions.hpp"
#include "core/audit/query.hpp"
#include "core/audit/tail.hpp"
#include "core/db/errors.hpp"
#include "core/platform/migrations.hpp"
#include "core/tenants/lookup.hpp"
#include "core/util/duration.hpp"
#include "core/util/json_input.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::commands {

namespace {

// --- shared option handling ------------------------------------------------------------------

// --tenant / --all-tenants / --since / --until, shared by query and stats. (Plain members in
// each options struct: the registry binds member pointers of the struct itself.)
template <class W>
audit::Filter base_filter(Context& ctx, const W& w) {
    if (w.tenant && w.all_tenants) throw UsageError("--tenant and --all-tenants exclude each other");
    if (!w.tenant && !w.all_tenants) throw UsageError("--tenant SLUG is required", "or pass --all-tenants");
    audit::Filter f;
    std::tie(f.since, f.until) = audit::parse_window(w.since, w.until, ctx.now());
    if (w.tenant)
        f.tenant_id = tenants::resolve_on_current_platform(ctx, *w.tenant).id;
    else
        platform::require_current(ctx);
    return f;
}

std::string human_size(std::int64_t bytes) {
    const char* units[] = {"B", "kB", "MB", "GB", "TB"};
    double v = static_cast<double>(bytes);
    int u = 0;
    while (v >= 1024 && u < 4) v /= 1024, ++u;
    return u == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", v, units[u]);
}

// --- query -------------------------------------------------------------------------------------

struct QueryOpts {
    std::optional<std::string> tenant;
    bool all_tenants = false;
    std::optional<std::string> since, until;
    std::optional<std::string> actor, action, resource, after;
    std::vector<std::string> where;
    std::int64_t limit = 100;
    bool explain = false;
};

Records run_query(Context& ctx, const QueryOpts& o) {
    audit::QueryOptions q;
    // Cheap checks of the input first, so a typo never waits for the database.
    if (o.limit < 0) throw UsageError("--limit must be 0 (all) or more");
    if (o.action) q.filter.action_like = audit::action_glob_to_like(*o.action);
    if (o.resource) std::tie(q.filter.resource_type, q.filter.resource_id) = audit::parse_resource(*o.resource);
    for (const auto& w : o.where) q.filter.where.push_back(audit::parse_where(w));
    if (o.after) q.after = audit::decode_cursor(*o.after);
    auto base = base_filter(ctx, o);
    q.filter.tenant_id = base.tenant_id;
    q.filter.since = base.since;
    q.filter.until = base.until;
    q.filter.actor = o.actor;
    q.limit = o.limit;
    if (o.explain) {
        auto e = audit::explain_query(ctx, q);
        Records r = Records::doc(json{{"partitions_scanned", e.partitions}, {"plan", e.plan}});
        std::string text = "partitions scanned: " + (e.partitions.empty() ? "(none)" : util::join(e.partitions, ", ")) + "\n";
        for (const auto& line : e.plan) text += line + "\n";
        r.text = std::move(text);  // -o table: the plan as psql shows it; other formats: the document
        return r;
    }
    auto result = audit::run_query(ctx, q, ctx.sink());
    if (result.next)
        ctx.log().info(fmt::format("more events may match: --after {}", audit::encode_cursor(*result.next)));
    if (result.rows == 0) {
        auto e = audit::explain_query(ctx, q);
        const bool only_default =
            std::all_of(e.partitions.begin(), e.partitions.end(), [](const auto& p) { return p == "audit_log_default"; });
        if (only_default)
            ctx.log().info(fmt::format("no monthly partition covers {} .. {}; only the default partition was searched",
                                       util::format_rfc3339(q.filter.since), util::format_rfc3339(q.filter.until)));
    }
    return {};
}

void declare_query(cli::Registry& r) {
    r.command<QueryOpts>("audit query", "Search a tenant's audit events in a time window, newest first")
        .option("--tenant", &QueryOpts::tenant, "tenant slug (required unless --all-tenants)", "SLUG")
        .complete(cli::Completer::tenant_slug)
        .flag("--all-tenants", &QueryOpts::all_tenants, "search every tenant (slower: no tenant prefix in the index)")
        .option("--since", &QueryOpts::since, "start of the window: RFC 3339 time or a duration ago (default 7d)", "TIME")
        .option("--until", &QueryOpts::until, "end of the window (default now)", "TIME")
        .option("--actor", &QueryOpts::actor, "only events by this actor id", "ID")
        .option("--action", &QueryOpts::action, "only actions matching this glob, e.g. 'user.*'", "GLOB")
        .option("--resource", &QueryOpts::resource, "only events on this resource type (and id)", "TYPE[:ID]")
        .option("--where", &QueryOpts::where, "metadata match, repeatable: metadata.KEY=VALUE", "EXPR")
        .option("--limit", &QueryOpts::limit, "at most N events (default 100; 0 = all, streamed)", "N")
        .option("--after", &QueryOpts::after, "continue after the cursor printed with the previous page", "CURSOR")
        .flag("--explain", &QueryOpts::explain, "show the partitions scanned and the query plan instead of rows")
        .description("Always searches a time window (default: the last 7 days), so only the partitions of that "
                     "window are read. Pages are keyset pages: when a page is full, the cursor for the next one "
                     "is printed on stderr. --limit 0 streams every match with flat memory.")
        .example("tenantctl audit query --tenant acme --since 30d --action 'user.*' -o json")
        .example("tenantctl audit query --tenant acme --where metadata.ip_country=DE --limit 0 -o ndjson")
        .example("tenantctl audit query --tenant acme --since 2024-05-01 --until 2024-06-01 --explain")
        .example("tenantctl audit query --all-tenants --action 'key.*' -o wide")
        .table_columns({"id", "occurred_at", "actor_id", "action", "resource_type", "resource_id"})
        .run(run_query);
}

// --- tail --------------------------------------------------------------------------------------

struct TailOpts {
    std::string tenant;
    std::int64_t lines = 20;
    bool follow = false;
};

Records run_tail(Context& ctx, const TailOpts& o) {
    platform::require_current(ctx);
    audit::TailOptions t;
    t.tenant_slug = o.tenant;
    t.lines = o.lines;
    t.follow = o.follow;
    audit::tail(ctx, t, ctx.sink());
    return {};
}

void declare_tail(cli::Registry& r) {
    r.command<TailOpts>("audit tail", "Show a tenant's newest events; with -f follow new ones live")
        .option("--tenant", &TailOpts::tenant, "tenant slug", "SLUG")
        .required()
        .complete(cli::Completer::tenant_slug)
        .option("-n,--lines", &TailOpts::lines, "how many of the newest events to show first (default 20)", "N")
        .flag("-f,--follow", &TailOpts::follow,
              "keep running and print events as they are committed (LISTEN/NOTIFY; reconnects by itself)")
        .description("Follow mode prints each event as soon as it is committed and survives server restarts: "
                     "after reconnecting it catches up from the last event it printed, so nothing is missed or "
                     "repeated. Use -o ndjson for one JSON object per line.")
        .example("tenantctl audit tail --tenant acme -n 50")
        .example("tenantctl audit tail --tenant acme -f -o ndjson | jq .action")
        .table_columns({"id", "occurred_at", "actor_id", "action", "resource_type", "resource_id"})
        .run(run_tail);
}

// --- stats -------------------------------------------------------------------------------------

struct StatsOpts {
    std::optional<std::string> tenant;
    bool all_tenants = false;
    std::optional<std::string> since, until;
    std::string by = "action";
};

Records run_stats(Context& ctx, const StatsOpts& o) {
    auto by = audit::parse_stats_by(o.by);
    return audit::run_stats(ctx, base_filter(ctx, o), by);
}

void declare_stats(cli::Registry& r) {
    r.command<StatsOpts>("audit stats", "Count audit events by action, actor, day or hour")
        .option("--tenant", &StatsOpts::tenant, "tenant slug (required unless --all-tenants)", "SLUG")
        .complete(cli::Completer::tenant_slug)
        .flag("--all-tenants", &StatsOpts::all_tenants, "count over every tenant")
        .option("--by", &StatsOpts::by, "grouping (default action)", "KEY")
        .choices({"action", "actor", "day", "hour"})
        .option("--since", &StatsOpts::since, "start of the window (default 7d)", "TIME")
        .option("--until", &StatsOpts::until, "end of the window (default now)", "TIME")
        .example("tenantctl audit stats --tenant acme --by day --since 30d")
        .run(run_stats);
}

// --- record ------------------------------------------------------------------------------------

struct RecordOpts {
    std::string tenant, action;
    std::optional<std::string> resource, metadata;
    std::string actor_type = "operator";
};

Records run_record(Context& ctx, const RecordOpts& o) {
    static const std::regex action_re("^[a-z0-9_]+(\\.[a-z0-9_]+)*$");
    if (!std::regex_match(o.action, action_re))
        throw UsageError("malformed action " + util::in_quotes(o.action),
                         "actions are dotted lower-case names such as user.login");
    audit::Event ev;
    ev.action = o.action;
    ev.actor_type = o.actor_type;
    if (o.resource) {
        auto [type, id] = audit::parse_resource(*o.resource);
        ev.resource_type = type;
        ev.resource_id = id.value_or("");
    }
    if (o.metadata) {
        util::check_db_text(*o.metadata, "--metadata");
        auto metadata = util::parse_json_input<json>(*o.metadata, "--metadata");
        if (!metadata || !metadata->is_object())
            throw UsageError("--metadata must be a JSON object", "e.g. --metadata '{\"ticket\":\"OPS-12\"}'");
        ev.metadata = std::move(*metadata);
    }
    platform::require_current(ctx);
    Records r = Records::table({"id", "tenant", "action", "status"});
    try {
        pqxx::work tx(ctx.db());
        auto t = tenants::resolve(ctx, tx, o.tenant);
        ev.tenant_id = t.id;
        if (ctx.dry_run()) return r.add({nullptr, t.slug, ev.action, "would record"});
        auto id = audit::append(ctx, tx, ev);
        tx.commit();
        r.add({id, t.slug, ev.action, "recorded"});
    } catch (const Error&) {
        throw;
    } catch (...) {
        db::rethrow_translated("recording the audit event");
    }
    return r;
}

void declare_record(cli::Registry& r) {
    r.command<RecordOpts>("audit record", "Append an audit event from a script or runbook")
        .option("--tenant", &RecordOpts::tenant, "tenant slug", "SLUG")
        .required()
        .complete(cli::Completer::tenant_slug)
        .option("--action", &RecordOpts::action, "dotted lower-case action, e.g. runbook.failover", "ACTION")
        .required()
        .option("--resource", &RecordOpts::resource, "what the action was on", "TYPE[:ID]")
        .option("--metadata", &RecordOpts::metadata, "a JSON object with details (no secrets or personal data)", "JSON")
        .option("--actor-type", &RecordOpts::actor_type, "actor type recorded (default operator)", "TYPE")
        .mutating()
        .description("The actor is --actor (or TENANTCTL_ACTOR, or user@host); the event goes through the same "
                     "function as every tenantctl command's own events.")
        .example("tenantctl audit record --tenant acme --action runbook.failover --resource db:primary "
                 "--metadata '{\"ticket\":\"OPS-12\"}'")
        .run(run_record);
}

// --- seal / verify -----------------------------------------------------------------------------

struct SealOpts {
    std::optional<std::string> tenant;
    std::string settle = "60s";
    int parallel = 2;
};

Records run_seal(Context& ctx, const SealOpts& o) {
    audit::SealOptions s;
    s.scope.tenant_slug = o.tenant;
    s.settle = util::parse_duration(o.settle);
    if (o.parallel < 1) throw UsageError("--parallel must be at least 1");
    s.parallel = o.parallel;
    platform::require_current(ctx);
    auto results = audit::seal(ctx, s);
    Records r = Records::table({"tenant", "sealed", "head_seq", "head"});
    std::int64_t total = 0;
    for (const auto& x : results) {
        total += x.sealed;
        if (o.tenant || x.sealed > 0) r.add({x.tenant, x.sealed, x.head_seq, x.head});
    }
    ctx.log().info(fmt::format("{}{} events sealed", ctx.dry_run() ? "dry run: " : "", total));
    return r;
}

void declare_seal(cli::Registry& r) {
    r.command<SealOpts>("audit seal", "Extend each tenant's hash chain over events not yet sealed (run from cron)")
        .option("--tenant", &SealOpts::tenant, "only this tenant (default: every tenant and platform events)", "SLUG")
        .complete(cli::Completer::tenant_slug)
        .option("--settle", &SealOpts::settle,
                "leave events younger than this for the next run (default 60s), so slow writers are not overtaken",
                "DURATION")
        .option("--parallel", &SealOpts::parallel, "tenants sealed at once, one connection each (default 2)", "N")
        .mutating()
        .description("Sealing never blocks the application's inserts. Each batch is one transaction with a "
                     "checkpoint, so a killed run resumes where it stopped. The printed heads can be stored "
                     "off the database as evidence.")
        .example("tenantctl audit seal")
        .example("*/5 * * * * tenantctl audit seal -q")
        .run(run_seal);
}

struct AuditVerifyOpts {
    std::optional<std::string> tenant;
    bool all = false;
    std::optional<std::string> since;
};

Records run_audit_verify(Context& ctx, const AuditVerifyOpts& o) {
    if (o.tenant && o.all) throw UsageError("--tenant and --all exclude each other");
    if (!o.tenant && !o.all) throw UsageError("--tenant SLUG or --all is required");
    audit::VerifyOptions v;
    v.scope.tenant_slug = o.tenant;
    if (o.since) v.since = util::parse_time(*o.since, ctx.now());
    platform::require_current(ctx);
    auto results = audit::verify(ctx, v);
    Records r = Records::table({"tenant", "status", "verified", "problem", "event_id", "seq", "occurred_at", "detail"});
    for (const auto& x : results) {
        auto opt = [](const std::optional<std::int64_t>& v) { return v ? json(*v) : json(nullptr); };
        r.add({x.tenant, x.status, x.verified, x.problem.empty() ? json(nullptr) : json(x.problem), opt(x.event_id),
               opt(x.seq), x.occurred_at.empty() ? json(nullptr) : json(x.occurred_at),
               x.detail.empty() ? json(nullptr) : json(x.detail)});
        if (x.status == "broken" && r.exit == Exit::ok) {
            r.exit = Exit::integrity;
            r.failure = fmt::format("audit chain of {} is broken: {} event{}{} ({})", x.tenant, x.problem,
                                    x.event_id ? fmt::format(" {}", *x.event_id) : "",
                                    x.occurred_at.empty() ? "" : " at " + x.occurred_at, x.detail);
        }
    }
    return r;
}

void declare_verify(cli::Registry& r) {
    r.command<AuditVerifyOpts>("audit verify", "Recompute the hash chains and report the first tampered event")
        .option("--tenant", &AuditVerifyOpts::tenant, "verify this tenant", "SLUG")
        .complete(cli::Completer::tenant_slug)
        .flag("--all", &AuditVerifyOpts::all, "verify every tenant and the platform events")
        .option("--since", &AuditVerifyOpts::since, "start from the last checkpoint before this time", "TIME")
        .description("Names the first sealed event that was modified, deleted, or inserted into the sealed range, "
                     "and exits 8. Events pseudonymized by GDPR erasure still verify. Needs the master key.")
        .example("tenantctl audit verify --all")
        .example("tenantctl audit verify --tenant acme --since 30d -o json")
        .table_columns({"tenant", "status", "verified", "problem", "event_id"})
        .run(run_audit_verify);
}

// --- partitions --------------------------------------------------------------------------------

struct PartitionListOpts {};

Records run_partition_list(Context& ctx, const PartitionListOpts&) {
    platform::require_current(ctx);
    Records r = Records::table({"partition", "from", "to", "rows", "bytes", "size"});
    for (const auto& p : audit::list_partitions(ctx, audit::RowCounts::exact)) {
        auto t = [](const std::optional<TimePoint>& v) { return v ? json(util::format_rfc3339(*v)) : json(nullptr); };
        r.add({p.name, t(p.from), t(p.to), p.rows, p.bytes, human_size(p.bytes)});
    }
    return r;
}

struct EnsureOpts {
    std::optional<std::int64_t> ahead;
};

Records run_ensure(Context& ctx, const EnsureOpts& o) {
    platform::require_current(ctx);
    auto res = audit::ensure_partitions(ctx, static_cast<int>(o.ahead.value_or(ctx.config().audit.premake)));
    Records r = Records::table({"partition", "status"});
    for (const auto& n : res.created) r.add({n, ctx.dry_run() ? "would create" : "created"});
    for (const auto& n : res.past_retention)
        r.add({n, "not created: past retention (rows stay in default until prune)"});
    for (const auto& n : res.pruned_before) r.add({n, "not created: pruned before (the next prune archives its rows)"});
    if (res.moved_rows > 0)
        ctx.log().info(fmt::format("moved {} rows out of the default partition", res.moved_rows));
    if (res.created.empty()) ctx.log().info("every partition needed already exists");
    return r;
}

struct PruneOpts {
    std::string older_than = "13mo";
    std::optional<std::string> archive;
    bool no_archive = false;
};

Records run_prune(Context& ctx, const PruneOpts& o) {
    audit::PruneOptions p;
    p.older_than = util::parse_duration(o.older_than);
    if (o.archive) p.archive_dir = *o.archive;
    p.no_archive = o.no_archive;
    platform::require_current(ctx);
    Records r = Records::table({"partition", "rows", "status", "archive", "sha256"});
    for (const auto& x : audit::prune_partitions(ctx, p))
        r.add({x.partition, x.rows, x.status, x.archive.empty() ? json(nullptr) : json(x.archive),
               x.sha256.empty() ? json(nullptr) : json(x.sha256)});
    if (r.rows.empty()) ctx.log().info("no partition is older than " + o.older_than);
    return r;
}

void declare_partitions(cli::Registry& r) {
    r.command<PartitionListOpts>("audit partitions list", "List the audit log's partitions with range, rows and size")
        .example("tenantctl audit partitions list")
        .run(run_partition_list);
    r.command<EnsureOpts>("audit partitions ensure", "Create the coming months' partitions ahead of time")
        .option("--ahead", &EnsureOpts::ahead, "months after the current one (default audit.premake, 3)", "N")
        .mutating()
        .description("Never creates months already past audit.retention, nor re-creates a month that was pruned "
                     "(late events of it wait in the default partition for the next prune). Rows that landed in "
                     "the default partition are moved into their new month in the same transaction. Every step "
                     "waits at most 1 s for locks and is retried, so the application is never blocked for long.")
        .example("tenantctl audit partitions ensure --ahead 3")
        .run(run_ensure);
    r.command<PruneOpts>("audit partitions prune", "Archive whole months older than a cutoff, then drop them")
        .option("--older-than", &PruneOpts::older_than, "drop months that ended before now minus this (default 13mo)",
                "DURATION")
        .option("--archive", &PruneOpts::archive,
                "write each month here first as NDJSON.gz plus a .sha256 file (default audit.archive_dir)", "DIR")
        .complete(cli::Completer::directory)
        .flag("--no-archive", &PruneOpts::no_archive, "drop without archiving (asks first; --yes without a terminal)")
        .mutating()
        .description("Rows in the default partition are covered too: each month of them past the cutoff is moved "
                     "into its own partition first and pruned with the others. Each month is written, fsynced, read "
                     "back and checked before it is detached and dropped in one short transaction; if rows were "
                     "added to the month meanwhile, it is not dropped. An archive is never overwritten: a month "
                     "archived again (late events, a re-run after a kill) gets NAME.2.ndjson.gz, NAME.3... A killed "
                     "prune leaves the partition in place; re-running completes it. A second prune waits for "
                     "--lock-timeout, then exits 6.")
        .example("tenantctl audit partitions prune --older-than 13mo --archive /var/backups/audit")
        .run(run_prune);
}

// --- import ------------------------------------------------------------------------------------

struct ImportOpts {
    std::string from;
    std::vector<std::string> map;
    std::optional<std::string> tenant;
    std::optional<std::string> key;
    std::string timezone = "UTC";
    std::int64_t batch = 5000;
    bool no_seal = false;
};

Records run_import(Context& ctx, const ImportOpts& o) {
    audit::ImportOptions i;
    i.from = o.from;
    for (const auto& m : o.map) {
        auto [col, src] = audit::parse_import_mapping(m);
        if (!i.map.emplace(col, src).second) throw UsageError(fmt::format("--map {} is given twice", col));
    }
    i.tenant_slug = o.tenant;
    i.key = o.key;
    i.timezone = o.timezone;
    i.batch = o.batch;
    i.seal = !o.no_seal;
    platform::require_current(ctx);
    auto x = audit::import_events(ctx, i);
    Records r = Records::table({"source", "status", "imported", "total", "months_created", "resealed", "sealed", "job"});
    r.add({x.source, x.status, x.imported, x.total, util::join(x.months_created, ","), util::join(x.resealed, ","),
           x.sealed, x.job_id.empty() ? json(nullptr) : json(x.job_id)});
    if (x.resumed)
        ctx.log().info(ctx.dry_run() ? "would resume an interrupted import (job " + x.job_id + ")"
                                     : "resumed an interrupted import: no event was imported twice");
    return r;
}

void declare_import(cli::Registry& r) {
    r.command<ImportOpts>("audit import", "Backfill the audit log from an existing audit table or an NDJSON file")
        .option("--from", &ImportOpts::from, "[schema.]table in this database, or the path of an NDJSON file",
                "TABLE|FILE")
        .required()
        .option("--map", &ImportOpts::map,
                "take audit_log COLUMN from the source's column or key SOURCE (repeatable; default: the same name)",
                "COLUMN=SOURCE")
        .option("--tenant", &ImportOpts::tenant, "every event belongs to this tenant (no tenant_id in the source)",
                "SLUG")
        .complete(cli::Completer::tenant_slug)
        .option("--key", &ImportOpts::key, "table sources: a unique column to import in order by (default id)",
                "COLUMN")
        .option("--timezone", &ImportOpts::timezone,
                "the zone of source times written without one (timestamp without time zone; default UTC)", "ZONE")
        .option("--batch", &ImportOpts::batch, "events per transaction (default 5000)", "N")
        .flag("--no-seal", &ImportOpts::no_seal, "leave sealing to the next `audit seal`")
        .mutating()
        .description("Columns of audit_log (tenant_id, occurred_at, actor_type, actor_id, action, resource_type, "
                     "resource_id, request_id, ip, user_agent, metadata) take the source column or NDJSON key of "
                     "the same name unless --map names another; occurred_at, action and the tenant are required. "
                     "A tenant value may be the tenant's id, its tenancy key or its slug. NDJSON keys mapped to no "
                     "column are kept in metadata. Batches are keyset batches (by --key, or by position in the "
                     "file), each one transaction that also records the position: a killed import resumes where it "
                     "stopped, without duplicates, if given the same options (and a file unchanged up to there). "
                     "--key must be unique and never NULL. Times must be ISO 8601; those without a zone are read in "
                     "--timezone. Months the events need are created. Every sealed chain is verified first; a "
                     "tenant whose sealed range the events reach into has its chain cut back to its start in the "
                     "batch that reaches it and re-sealed at the end (the old head is kept in the audit.import "
                     "event); `audit seal` waits meanwhile. A source is imported once: a file with the same bytes "
                     "under another name is refused too.")
        .example("tenantctl audit import --from app.audit_events --map occurred_at=created_at --map action=event")
        .example("tenantctl audit import --from old-log.ndjson --tenant acme")
        .run(run_import);
}

}  // namespace

void declare_audit(cli::Registry& r) {
    declare_query(r);
    declare_tail(r);
    declare_stats(r);
    declare_record(r);
    declare_seal(r);
    declare_verify(r);
    declare_partitions(r);
    declare_import(r);
}

}  // namespace tenantctl::commands
