#include "core/migrate/migrate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>

#include "core/audit/append.hpp"
#include "core/context.hpp"
#include "core/db/errors.hpp"
#include "core/platform/migrations.hpp"

namespace tenantctl::migrate {

namespace {

struct Tracks {
    std::vector<MigrationFile> shared;
    std::vector<MigrationFile> tenant;
};

Tracks load_tracks(const Selection& sel) {
    Tracks t;
    for (auto& f : load_directory(sel.dir, sel.layout))
        (f.scope == Scope::tenant ? t.tenant : t.shared).push_back(std::move(f));
    return t;
}

// --to V for one track: the newest file of the track not newer than V. nullopt = no limit;
// "" = the track has no file that old, so nothing of it runs.
std::optional<std::string> track_limit(const std::vector<MigrationFile>& files, const std::optional<std::string>& to) {
    if (!to) return std::nullopt;
    std::string best;
    for (const auto& f : files)
        if (!f.repeatable && compare_versions(f.version, *to) <= 0) best = f.version;
    return best;
}

void require_known_version(const Tracks& t, const std::optional<std::string>& to) {
    if (!to) return;
    require_valid_version(*to);
    for (const auto* files : {&t.shared, &t.tenant})
        for (const auto& f : *files)
            if (compare_versions(f.version, *to) == 0) return;
    throw NotFound("no migration file has version " + *to, "`tenantctl migrate status` lists the versions");
}

Plan plan_track_up(const std::vector<MigrationFile>& files, const std::vector<AppliedMigration>& rows,
                   const std::optional<std::string>& limit, bool allow_out_of_order) {
    if (limit && limit->empty()) return Plan{};
    return plan_up(files, rows, limit, allow_out_of_order);
}

RunSettings make_settings(Context& ctx, int lock_retries, std::shared_ptr<std::mutex> log_mutex) {
    RunSettings s;
    s.ledger_table = ctx.platform_table("schema_migrations");
    s.actor = ctx.actor();
    s.run_id = ctx.run_id();
    s.lock_retries = std::max(lock_retries, 0);
    Logger* log = &ctx.log();
    s.note = [log, log_mutex](std::string_view msg) {
        std::lock_guard<std::mutex> guard(*log_mutex);
        log->info(msg);
    };
    return s;
}

std::vector<AppliedMigration> shared_rows(Context& ctx) {
    pqxx::read_transaction tx(ctx.db());
    return read_ledger(tx, ctx.platform_table("schema_migrations"), kSharedTarget);
}

std::string plan_key(const Plan& p) {
    std::string key;
    for (const auto& m : p.migrations) key += m.file.version + ":" + std::to_string(m.first_statement) + ",";
    return key;
}

void add_to_groups(std::vector<PlanGroup>& groups, std::map<std::string, std::size_t>& index, const Target& target,
                   Plan plan) {
    if (plan.empty()) return;
    auto key = plan_key(plan);
    auto it = index.find(key);
    if (it == index.end()) {
        index.emplace(key, groups.size());
        groups.push_back(PlanGroup{{target}, std::move(plan)});
    } else {
        groups[it->second].targets.push_back(target);
    }
}

void audit_run(Context& ctx, const std::string& action, const json& metadata) {
    try {
        pqxx::work tx(ctx.db());
        audit::Event e;
        e.action = action;
        e.resource_type = "migrations";
        e.resource_id = ctx.run_id();
        e.metadata = metadata;
        audit::append(ctx, tx, e);
        tx.commit();
    } catch (const std::exception& e) {
        ctx.log().warn(fmt::format("could not record the audit event for this run: {}", e.what()));
    }
}

json outcomes_json(const std::vector<MigrationOutcome>& outcomes) {
    json a = json::array();
    for (const auto& o : outcomes) a.push_back(o.version + "_" + o.name);
    return a;
}

json run_metadata(const RunReport& r) {
    json failed = json::array();
    std::size_t done = 0;
    for (const auto& t : r.tenants) {
        if (t.state == "done") ++done;
        else if (failed.size() < 100) failed.push_back(t.target.name);
    }
    return json{{"shared", outcomes_json(r.shared)},
                {"tenant_schemas", {{"done", done}, {"failed_or_pending", r.failed()}, {"up_to_date", r.tenants_up_to_date}}},
                {"failed_targets", failed}};
}

// Shared track: run the plan on the work connection, logging each migration.
void run_shared(Context& ctx, const RunSettings& s, const Plan& plan, RunReport& report) {
    if (plan.empty()) return;
    prepare_connection(ctx.db());
    try {
        execute_plan(ctx.db(), Target::shared(), plan, s, [&](const MigrationOutcome& o) {
            report.shared.push_back(o);
            s.note(fmt::format("{} {} ({} ms)", o.action, o.version + "_" + o.name, o.duration_ms));
        });
    } catch (...) {
        db::rethrow_translated("migrating the shared schema");
    }
}

struct Fleet {
    std::vector<TenantSchema> schemas;
};

Fleet read_fleet_now(Context& ctx, const TenantFilter& filter) {
    pqxx::read_transaction tx(ctx.db());
    return Fleet{read_fleet(ctx, tx, filter)};
}

}  // namespace

std::filesystem::path migrations_dir(const Context& ctx, const std::string& dir_option) {
    return dir_option.empty() ? ctx.config().migrations.dir : std::filesystem::path(dir_option);
}

std::optional<Layout> configured_layout(const Context& ctx) { return parse_layout(ctx.config().migrations.layout); }

bool StatusReport::has_pending() const {
    if (summarize(shared).has_pending_work()) return true;
    for (const auto& t : tenants)
        if (t.state != "up-to-date") return true;
    return false;
}

bool StatusReport::has_drift() const {
    if (summarize(shared).has_drift()) return true;
    for (const auto& t : tenants)
        if (t.counts.has_drift()) return true;
    return false;
}

std::size_t RunReport::failed() const {
    std::size_t n = 0;
    for (const auto& t : tenants)
        if (t.state != "done") ++n;
    return n;
}

StatusReport status(Context& ctx, const Selection& sel) {
    Tracks tracks = load_tracks(sel);
    platform::require_current(ctx);
    StatusReport report;
    report.tenant_files = tracks.tenant.size();
    try {
        pqxx::read_transaction tx(ctx.db());
        report.shared = migrate::status(tracks.shared, read_ledger(tx, ctx.platform_table("schema_migrations"), kSharedTarget));
        if (!tracks.tenant.empty() || !sel.tenants.only.empty()) {
            for (auto& t : read_fleet(ctx, tx, sel.tenants)) {
                TenantStatus ts{t.target, t.schema_exists, {}, "", ""};
                auto rows = migrate::status(tracks.tenant, t.applied);
                ts.counts = summarize(rows);
                for (const auto& a : t.applied)
                    if (!a.failed) ts.newest = a.version;
                ts.state = !t.schema_exists               ? "missing-schema"
                           : ts.counts.has_drift()        ? "changed"
                           : ts.counts.failed > 0         ? "failed"
                           : ts.counts.pending > 0        ? "pending"
                                                          : "up-to-date";
                report.tenants.push_back(std::move(ts));
            }
        }
    } catch (...) {
        db::rethrow_translated("reading the migration ledger");
    }
    return report;
}

std::vector<PlanGroup> plan(Context& ctx, const UpOptions& o) {
    Tracks tracks = load_tracks(o.sel);
    require_known_version(tracks, o.to);
    platform::require_current(ctx);
    std::vector<PlanGroup> groups;
    std::map<std::string, std::size_t> index;
    try {
        pqxx::read_transaction tx(ctx.db());
        auto rows = read_ledger(tx, ctx.platform_table("schema_migrations"), kSharedTarget);
        add_to_groups(groups, index, Target::shared(),
                      plan_track_up(tracks.shared, rows, track_limit(tracks.shared, o.to), o.allow_out_of_order));
        if (!tracks.tenant.empty()) {
            const auto limit = track_limit(tracks.tenant, o.to);
            for (auto& t : read_fleet(ctx, tx, o.sel.tenants)) {
                if (!t.schema_exists) {
                    ctx.log().warn(fmt::format("{}: schema does not exist (tenant '{}')", t.target.name, t.target.slug));
                    continue;
                }
                add_to_groups(groups, index, t.target, plan_track_up(tracks.tenant, t.applied, limit, o.allow_out_of_order));
            }
        }
    } catch (...) {
        db::rethrow_translated("planning migrations");
    }
    return groups;
}

RunReport up(Context& ctx, const UpOptions& o) {
    RunReport report;
    report.run_id = ctx.run_id();
    if (ctx.dry_run()) {
        if (o.resume) throw UsageError("--resume cannot be combined with --dry-run");
        report.dry_run = true;
        report.plan = plan(ctx, o);
        return report;
    }
    Tracks tracks = load_tracks(o.sel);
    auto lock = ctx.lock("migrate");
    platform::require_current(ctx);

    std::optional<std::string> to = o.to;
    bool allow_out_of_order = o.allow_out_of_order;
    std::optional<ResumableRun> resume;
    if (o.resume) {
        if (o.to) throw UsageError("--to cannot be combined with --resume: the resumed run keeps its own target");
        try {
            pqxx::read_transaction tx(ctx.db());
            resume = load_run(ctx, tx, *o.resume);
        } catch (...) {
            db::rethrow_translated("reading run " + *o.resume);
        }
        if (resume->kind != "migrate.up")
            throw Refused("run " + *o.resume + " was a " + resume->kind + ", not a migrate up",
                          "resume a down run with `tenantctl migrate down`");
        if (resume->cursor.contains("to") && resume->cursor["to"].is_string()) to = resume->cursor["to"].get<std::string>();
        allow_out_of_order = resume->cursor.value("allow_out_of_order", false);
        report.run_id = *o.resume;
    }
    require_known_version(tracks, to);

    auto log_mutex = std::make_shared<std::mutex>();
    RunSettings settings = make_settings(ctx, o.lock_retries, log_mutex);
    bool attempted = false;  // a refusal before anything ran changes nothing and is not audited
    try {
        Plan shared_plan;
        try {
            shared_plan = plan_track_up(tracks.shared, shared_rows(ctx), track_limit(tracks.shared, to), allow_out_of_order);
        } catch (const pqxx::failure&) {
            db::rethrow_translated("reading the migration ledger");
        }
        // A tenant file with its own transaction control must stop the run before the shared
        // track changes anything, not after (only read when such a file exists).
        const bool tenant_tx_control = std::any_of(tracks.tenant.begin(), tracks.tenant.end(), [](const MigrationFile& f) {
            return !f.no_transaction && f.up_tx_control;
        });
        if (tenant_tx_control) {
            const auto limit = track_limit(tracks.tenant, to);
            for (auto& t : read_fleet_now(ctx, o.sel.tenants).schemas) {
                if (!t.schema_exists) continue;
                try {
                    plan_track_up(tracks.tenant, t.applied, limit, allow_out_of_order);
                } catch (const SourceError&) {
                    throw;
                } catch (const Error&) {
                    // reported per target by the fan-out
                }
            }
        }
        attempted = !shared_plan.empty();
        run_shared(ctx, settings, shared_plan, report);

        if (!tracks.tenant.empty() || resume) {
            const auto limit = track_limit(tracks.tenant, to);
            const std::vector<MigrationFile>& files = tracks.tenant;
            FanoutRequest request;
            request.planner = [&files, limit, allow_out_of_order](const std::vector<AppliedMigration>& rows) {
                return plan_track_up(files, rows, limit, allow_out_of_order);
            };
            request.parallel = o.parallel;
            request.continue_on_error = o.continue_on_error;
            request.job_kind = "migrate.up";
            request.job_cursor = json{{"to", to ? json(*to) : json(nullptr)}, {"allow_out_of_order", allow_out_of_order}};
            request.resume_run = o.resume;
            Fleet fleet = read_fleet_now(ctx, o.sel.tenants);
            std::set<std::string> wanted;
            if (resume) wanted.insert(resume->targets.begin(), resume->targets.end());
            for (auto& t : fleet.schemas) {
                if (resume && !wanted.count(t.target.name)) continue;
                FanoutItem item{t.target, t.schema_exists, ""};
                if (t.schema_exists) {
                    try {
                        if (request.planner(t.applied).empty() && !resume) {
                            ++report.tenants_up_to_date;
                            continue;
                        }
                    } catch (const Error& e) {
                        item.precheck_error = t.target.name + ": " + e.what();
                    }
                }
                request.items.push_back(std::move(item));
            }
            attempted = attempted || !request.items.empty();
            report.tenants = run_fanout(ctx, settings, request);
        }
    } catch (const Error& e) {
        if (attempted) {
            json meta = run_metadata(report);
            meta["error"] = e.what();
            audit_run(ctx, "migrate.up", meta);
        }
        throw;
    }
    if (!report.shared.empty() || !report.tenants.empty()) audit_run(ctx, "migrate.up", run_metadata(report));
    return report;
}

namespace {

// "2 migration(s) (20240301000000_b, 20240201000000_a)" for a confirmation question.
std::string describe_versions(const Plan& p) {
    std::string list;
    for (const auto& m : p.migrations) list += (list.empty() ? "" : ", ") + m.file.version + "_" + m.file.name;
    return fmt::format("{} migration(s) ({})", p.migrations.size(), list);
}

}  // namespace

RunReport down(Context& ctx, const DownOptions& o) {
    Tracks tracks = load_tracks(o.sel);
    RunReport report;
    report.run_id = ctx.run_id();
    const std::vector<MigrationFile>& files = o.scope == Scope::tenant ? tracks.tenant : tracks.shared;
    const DownTarget target = o.target;
    auto planner = [&files, target](const std::vector<AppliedMigration>& rows) { return plan_down(files, rows, target); };

    std::unique_ptr<db::AdvisoryLock> lock;
    if (!ctx.dry_run()) lock = ctx.lock("migrate");
    platform::require_current(ctx);
    auto log_mutex = std::make_shared<std::mutex>();
    RunSettings settings = make_settings(ctx, o.lock_retries, log_mutex);
    bool attempted = false;

    try {
        if (o.scope == Scope::shared) {
            Plan p;
            try {
                p = planner(shared_rows(ctx));
            } catch (const pqxx::failure&) {
                db::rethrow_translated("reading the migration ledger");
            }
            if (ctx.dry_run()) {
                report.dry_run = true;
                if (!p.empty()) report.plan.push_back(PlanGroup{{Target::shared()}, std::move(p)});
                return report;
            }
            if (!p.empty()) ctx.confirm(fmt::format("revert {} of the shared schema (their down sections run now)?",
                                                    describe_versions(p)));
            attempted = !p.empty();
            run_shared(ctx, settings, p, report);
        } else {
            Fleet fleet = read_fleet_now(ctx, o.sel.tenants);
            FanoutRequest request;
            request.planner = planner;
            request.parallel = o.parallel;
            request.continue_on_error = o.continue_on_error;
            request.job_kind = "migrate.down";
            request.job_cursor = json{{"to", target.to_version ? json(*target.to_version) : json(nullptr)},
                                      {"steps", target.steps}};
            std::map<std::string, std::size_t> index;
            for (auto& t : fleet.schemas) {
                FanoutItem item{t.target, t.schema_exists, ""};
                if (t.schema_exists) {
                    try {
                        Plan p = planner(t.applied);
                        if (ctx.dry_run()) {
                            add_to_groups(report.plan, index, t.target, std::move(p));
                            continue;
                        }
                        if (p.empty()) {
                            ++report.tenants_up_to_date;
                            continue;
                        }
                    } catch (const Error& e) {
                        if (ctx.dry_run()) throw;
                        item.precheck_error = t.target.name + ": " + e.what();
                    }
                }
                if (!ctx.dry_run()) request.items.push_back(std::move(item));
            }
            if (ctx.dry_run()) {
                report.dry_run = true;
                return report;
            }
            if (!request.items.empty())
                ctx.confirm(fmt::format("revert the newest {} in {} tenant schema(s) (their down sections run now)?",
                                        target.to_version ? "migrations down to " + *target.to_version
                                                          : fmt::format("{} migration(s)", target.steps),
                                        request.items.size()));
            attempted = !request.items.empty();
            report.tenants = run_fanout(ctx, settings, request);
        }
    } catch (const Error& e) {
        if (attempted) {
            json meta = run_metadata(report);
            meta["error"] = e.what();
            audit_run(ctx, "migrate.down", meta);
        }
        throw;
    }
    if (!report.shared.empty() || !report.tenants.empty()) audit_run(ctx, "migrate.down", run_metadata(report));
    return report;
}

std::vector<TargetDrift> verify(Context& ctx, const Selection& sel) {
    Tracks tracks = load_tracks(sel);
    platform::require_current(ctx);
    std::vector<TargetDrift> out;
    try {
        pqxx::read_transaction tx(ctx.db());
        for (auto& d : migrate::verify(tracks.shared, read_ledger(tx, ctx.platform_table("schema_migrations"), kSharedTarget)))
            out.push_back({std::string(kSharedTarget), std::move(d)});
        for (auto& t : read_fleet(ctx, tx, sel.tenants))
            for (auto& d : migrate::verify(tracks.tenant, t.applied)) out.push_back({t.target.name, std::move(d)});
    } catch (...) {
        db::rethrow_translated("verifying the migration ledger");
    }
    return out;
}

namespace {

// The targets a baseline/repair touches: the shared track, or the selected tenant schemas.
std::vector<Target> targets_for(Context& ctx, pqxx::transaction_base& tx, Scope scope, const TenantFilter& filter) {
    if (scope == Scope::shared) return {Target::shared()};
    std::vector<Target> out;
    for (auto& t : read_fleet(ctx, tx, filter)) out.push_back(t.target);
    return out;
}

}  // namespace

std::vector<ChangeRow> baseline(Context& ctx, const Selection& sel, const std::string& version, Scope scope) {
    require_valid_version(version);
    Tracks tracks = load_tracks(sel);
    std::unique_ptr<db::AdvisoryLock> lock;
    if (!ctx.dry_run()) lock = ctx.lock("migrate");
    platform::require_current(ctx);
    const auto& files = scope == Scope::tenant ? tracks.tenant : tracks.shared;
    std::string name = "baseline";
    for (const auto& f : files)
        if (compare_versions(f.version, version) == 0) name = f.name;
    std::vector<ChangeRow> changes;
    try {
        pqxx::work tx(ctx.db());
        const std::string ledger = ctx.platform_table("schema_migrations");
        for (const auto& target : targets_for(ctx, tx, scope, sel.tenants)) {
            auto n = tx.exec_params1(fmt::format("SELECT count(*) FROM {} WHERE target = $1", ledger), target.name)[0]
                         .as<long>();
            if (n > 0)
                throw Refused(fmt::format("{} already has {} ledger row(s); a baseline only starts an empty history",
                                          target.name, n),
                              "`tenantctl migrate status` shows what is recorded");
            tx.exec_params(fmt::format("INSERT INTO {} (target, version, name, checksum, state, applied_at, actor, "
                                       "run_id) VALUES ($1, $2, $3, '', 'baseline', now(), $4, $5)",
                                       ledger),
                           target.name, version, name, ctx.actor(), ctx.run_id());
            changes.push_back({target.name, version, name, "baselined",
                               "files up to " + version + " count as applied"});
        }
        if (ctx.dry_run()) return changes;  // the transaction rolls back
        audit::Event e;
        e.action = "migrate.baseline";
        e.resource_type = "migrations";
        e.resource_id = ctx.run_id();
        e.metadata = {{"version", version}, {"scope", std::string(to_string(scope))}, {"targets", changes.size()}};
        audit::append(ctx, tx, e);
        tx.commit();
    } catch (...) {
        db::rethrow_translated("recording the baseline");
    }
    return changes;
}

std::vector<ChangeRow> repair(Context& ctx, const RepairOptions& o) {
    if (o.mark_applied && o.forget) throw UsageError("--mark-applied and --forget are exclusive");
    if (o.mark_applied) require_valid_version(*o.mark_applied);
    if (o.forget) require_valid_version(*o.forget);
    Tracks tracks = load_tracks(o.sel);
    std::unique_ptr<db::AdvisoryLock> lock;
    if (!ctx.dry_run()) lock = ctx.lock("migrate");
    platform::require_current(ctx);
    const auto& files = o.scope == Scope::tenant ? tracks.tenant : tracks.shared;
    std::map<std::string, const MigrationFile*, VersionLess> by_version;
    for (const auto& f : files) by_version[f.version] = &f;

    std::vector<ChangeRow> changes;
    try {
        pqxx::work tx(ctx.db());
        const std::string ledger = ctx.platform_table("schema_migrations");
        for (const auto& target : targets_for(ctx, tx, o.scope, o.sel.tenants)) {
            auto rows = read_ledger(tx, ledger, target.name);
            auto find_row = [&](const std::string& v) -> const AppliedMigration* {
                for (const auto& r : rows)
                    if (compare_versions(r.version, v) == 0) return &r;
                return nullptr;
            };
            if (o.mark_applied) {
                const AppliedMigration* row = find_row(*o.mark_applied);
                if (!row || !row->failed) {
                    if (o.scope == Scope::tenant) continue;  // only the schemas where it stopped
                    throw NotFound("no failed migration has version " + *o.mark_applied + " in " + target.name,
                                   "`tenantctl migrate status` shows failed migrations");
                }
                auto it = by_version.find(row->version);
                if (it == by_version.end())
                    throw NotFound("no migration file has version " + row->version);
                const MigrationFile& f = *it->second;
                const int total = static_cast<int>(split_statements(f.up_sql, f.up_first_line, f.path).size());
                tx.exec_params(fmt::format("UPDATE {} SET state = 'applied', checksum = $3, statements_done = $4, "
                                           "statements_total = $4, done_checksum = NULL, applied_at = now(), "
                                           "error = 'marked applied by ' || $5 || ' (was: ' || coalesce(error, 'interrupted') || ')' "
                                           "WHERE target = $1 AND version = $2",
                                           ledger),
                               target.name, row->version, f.checksum, total, ctx.actor());
                changes.push_back({target.name, row->version, row->name, "marked-applied",
                                   fmt::format("was stopped after statement {} of {}", row->statements_done, total)});
            } else if (o.forget) {
                const AppliedMigration* row = find_row(*o.forget);
                if (!row) {
                    if (o.scope == Scope::tenant) continue;
                    throw NotFound("no ledger row has version " + *o.forget + " in " + target.name);
                }
                tx.exec_params(fmt::format("DELETE FROM {} WHERE target = $1 AND version = $2", ledger), target.name,
                               row->version);
                changes.push_back({target.name, row->version, row->name, "forgotten",
                                   row->failed ? "a failed migration" : row->baseline ? "a baseline" : "an applied migration"});
            } else {
                for (const auto& d : migrate::verify(files, rows)) {
                    if (d.kind != DriftKind::checksum_changed) continue;
                    tx.exec_params(fmt::format("UPDATE {} SET checksum = $3 WHERE target = $1 AND version = $2", ledger),
                                   target.name, d.version, d.file_checksum);
                    changes.push_back({target.name, d.version, d.name, "checksum-accepted",
                                       d.applied_checksum.substr(0, 12) + " -> " + d.file_checksum.substr(0, 12)});
                }
            }
        }
        if (ctx.dry_run() || changes.empty()) return changes;
        audit::Event e;
        e.action = "migrate.repair";
        e.resource_type = "migrations";
        e.resource_id = ctx.run_id();
        json list = json::array();
        for (const auto& c : changes)
            if (list.size() < 100) list.push_back(c.target + " " + c.version + " " + c.action);
        e.metadata = {{"changes", changes.size()}, {"sample", list}};
        audit::append(ctx, tx, e);
        tx.commit();
    } catch (...) {
        db::rethrow_translated("repairing the migration ledger");
    }
    return changes;
}

std::vector<MigrationOutcome> apply_tenant_migrations(Context& ctx, const std::string& schema_name) {
    const auto dir = ctx.config().migrations.dir;
    if (!std::filesystem::exists(dir)) return {};
    Tracks tracks = load_tracks(Selection{dir, {}, configured_layout(ctx)});
    if (tracks.tenant.empty()) return {};
    auto log_mutex = std::make_shared<std::mutex>();
    RunSettings settings = make_settings(ctx, 3, log_mutex);
    Target target{schema_name, schema_name, "", ""};
    try {
        auto& conn = ctx.db();
        prepare_connection(conn);
        TargetLock lock(conn, target, std::max(ctx.lock_timeout(), std::chrono::milliseconds(5000)));
        std::vector<AppliedMigration> rows;
        {
            pqxx::read_transaction tx(conn);
            if (tx.exec_params1("SELECT count(*) FROM pg_namespace WHERE nspname = $1", schema_name)[0].as<int>() == 0)
                throw NotFound("schema " + schema_name + " does not exist");
            rows = read_ledger(tx, settings.ledger_table, schema_name);
        }
        Plan p = plan_up(tracks.tenant, rows, std::nullopt, false);
        return execute_plan(conn, target, p, settings, [&](const MigrationOutcome& o) {
            settings.note(fmt::format("{}: {} {} ({} ms)", o.target, o.action, o.version + "_" + o.name, o.duration_ms));
        });
    } catch (...) {
        db::rethrow_translated("migrating schema " + schema_name);
    }
}

}  // namespace tenantctl::migrate
