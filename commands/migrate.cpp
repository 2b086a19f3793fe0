// tenantctl migrate new|status|plan|up|down|verify|baseline|repair|lint
#include <fmt/format.h>

#include <filesystem>

#include "cli/registry.hpp"
#include "commands/commands.hpp"
#include "core/migrate/adopt.hpp"
#include "core/migrate/lint.hpp"
#include "core/migrate/migrate.hpp"
#include "core/migrate/scaffold.hpp"
#include "core/util/atomic_file.hpp"
#include "core/util/process.hpp"

namespace tenantctl::commands {

namespace {

namespace m = migrate;

// --tenants a,b --tenants c: both repeats and commas.
std::vector<std::string> split_list(const std::vector<std::string>& values) {
    std::vector<std::string> out;
    for (const auto& v : values) {
        std::size_t start = 0;
        while (start <= v.size()) {
            auto end = v.find(',', start);
            if (end == std::string::npos) end = v.size();
            if (end > start) out.push_back(v.substr(start, end - start));
            start = end + 1;
        }
    }
    return out;
}

m::Scope parse_scope(const std::string& s) {
    if (s == "shared") return m::Scope::shared;
    if (s == "tenant") return m::Scope::tenant;
    throw UsageError("--scope must be shared or tenant, not '" + s + "'");
}

// json and yaml get one document (summary + results); table, ndjson and csv get the rows.
bool wants_document(const Context& ctx) { return ctx.globals().output == "json" || ctx.globals().output == "yaml"; }

// Every command that reads the ledger takes --dir, --tenants and --exclude. (Member pointers of a
// base class do not bind to the registry's `T Opts::*`, hence a macro rather than a base struct.)
#define TENANTCTL_MIGRATE_SELECTION_FIELDS \
    std::string dir;                       \
    std::vector<std::string> tenants;      \
    std::vector<std::string> exclude;

template <class O>
m::Selection selection_of(const Context& ctx, const O& o) {
    return m::Selection{m::migrations_dir(ctx, o.dir), m::TenantFilter{split_list(o.tenants), split_list(o.exclude)},
                        m::configured_layout(ctx)};
}

struct Common {
    TENANTCTL_MIGRATE_SELECTION_FIELDS
};

// --- new -------------------------------------------------------------------------------------------
struct NewOptions {
    std::string name;
    std::string scope = "shared";
    std::string dir;
};

Records run_new(Context& ctx, const NewOptions& o) {
    const auto scope = parse_scope(o.scope);
    const auto dir = m::migrations_dir(ctx, o.dir);
    const m::Layout layout = m::configured_layout(ctx).value_or(m::detect_layout(dir));
    auto files = m::scaffold_files(layout, dir, o.name, ctx.now(), scope, m::directory_versions(dir, layout));
    for (const auto& f : files)
        if (std::filesystem::exists(f.path)) throw Refused(f.path.string() + " already exists");
    Records r = Records::table({"path", "scope", "layout"});
    for (const auto& f : files) {
        if (!ctx.dry_run()) {
            std::filesystem::create_directories(f.path.parent_path());
            util::write_file_atomic(f.path, f.content);
            ctx.log().info("created " + f.path.string());
        }
        r.add({f.path.string(), o.scope, std::string(m::to_string(layout))});
    }
    return r;
}

// --- status --------------------------------------------------------------------------------------
struct StatusOptions {
    TENANTCTL_MIGRATE_SELECTION_FIELDS
    bool check = false;
};

std::string status_detail(const m::StatusRow& row) {
    switch (row.state) {
        case m::MigrationState::failed:
            return fmt::format("stopped after statement {} of {}; `migrate up` resumes it", row.statements_done,
                               row.statements_total);
        case m::MigrationState::changed:
            return "file changed since applied (" + row.applied_checksum.substr(0, 12) + " -> " +
                   row.file_checksum.substr(0, 12) + ")";
        case m::MigrationState::pending: return row.out_of_order ? "out of order: older than the newest applied" : "";
        default: return "";
    }
}

Records run_status(Context& ctx, const StatusOptions& o) {
    auto report = m::status(ctx, selection_of(ctx, o));
    Records r = Records::table({"target", "version", "name", "state", "detail"});
    for (const auto& row : report.shared)
        r.add({std::string(m::kSharedTarget), row.version, row.name, std::string(m::to_string(row.state)), status_detail(row)});
    std::map<std::string, std::size_t> states;
    for (const auto& t : report.tenants) {
        ++states[t.state];
        std::string detail;
        if (t.counts.pending) detail += fmt::format("{} pending", t.counts.pending);
        if (t.counts.failed) detail += fmt::format("{}{} failed", detail.empty() ? "" : ", ", t.counts.failed);
        if (t.counts.changed) detail += fmt::format("{}{} changed", detail.empty() ? "" : ", ", t.counts.changed);
        if (t.counts.missing_file)
            detail += fmt::format("{}{} missing file", detail.empty() ? "" : ", ", t.counts.missing_file);
        if (!t.schema_exists) detail = "tenant '" + t.target.slug + "' has no schema " + t.target.schema;
        r.add({t.target.name, t.newest, "", t.state, detail});
    }
    auto shared = m::summarize(report.shared);
    std::string summary = fmt::format("shared: {} applied, {} pending, {} failed", shared.applied + shared.baselined,
                                      shared.pending, shared.failed);
    if (report.tenant_files > 0 || !report.tenants.empty()) {
        summary += fmt::format("; {} tenant schema(s)", report.tenants.size());
        for (const auto& [state, n] : states) summary += fmt::format(", {} {}", n, state);
    }
    ctx.log().info(summary);
    if (o.check && report.has_drift()) {
        r.exit = Exit::integrity;
        r.failure = "applied migrations changed since they ran; see `tenantctl migrate verify`";
    } else if (o.check && report.has_pending()) {
        r.exit = Exit::check_failed;
        r.failure = "migrations are pending";
    }
    return r;
}

// --- plan / up -----------------------------------------------------------------------------------
struct UpOptionsCli {
    TENANTCTL_MIGRATE_SELECTION_FIELDS
    std::string to;
    bool allow_out_of_order = false;
    int parallel = 1;
    bool continue_on_error = false;
    std::string resume;
    int lock_retries = 3;

    m::UpOptions core(const Context& ctx) const {
        m::UpOptions u;
        u.sel = selection_of(ctx, *this);
        if (!to.empty()) u.to = to;
        u.allow_out_of_order = allow_out_of_order;
        if (parallel < 1) throw UsageError("--parallel must be at least 1");
        u.parallel = parallel;
        u.continue_on_error = continue_on_error;
        if (!resume.empty()) u.resume = resume;
        if (lock_retries < 0) throw UsageError("--lock-retries must not be negative");
        u.lock_retries = lock_retries;
        return u;
    }
};

std::string targets_label(const std::vector<m::Target>& targets) {
    if (targets.size() == 1 && targets.front().is_shared()) return "shared schema";
    std::string names;
    for (std::size_t i = 0; i < targets.size() && i < 10; ++i) names += (i ? ", " : "") + targets[i].name;
    if (targets.size() > 10) names += fmt::format(", ... ({} more)", targets.size() - 10);
    return fmt::format("{} tenant schema(s): {}", targets.size(), names);
}

std::string plan_text(const std::vector<m::PlanGroup>& groups) {
    if (groups.empty()) return "-- nothing to do: every migration is applied\n";
    std::string out;
    for (const auto& g : groups) {
        const bool up = g.plan.direction == m::Direction::up;
        out += fmt::format("-- {}: {} migration(s) to {}\n", targets_label(g.targets), g.plan.migrations.size(),
                           up ? "apply" : "revert");
        const bool tenant = !g.targets.front().is_shared();
        for (const auto& pm : g.plan.migrations) {
            const auto& f = pm.file;
            auto statements = up ? m::split_statements(f.up_sql, f.up_first_line, f.path)
                                 : m::split_statements(f.down_sql, f.down_first_line, f.path);
            out += fmt::format("\n-- {} ({}{})\n", f.path,
                               f.no_transaction ? "no transaction: statement by statement, progress recorded"
                                                : "one transaction with its ledger row",
                               pm.resume ? fmt::format("; resumes at statement {}", pm.first_statement + 1) : "");
            if (!f.no_transaction) out += "BEGIN;\n";
            if (tenant) out += "SET search_path = <tenant schema>, public;\n";
            const auto lt = f.lock_timeout.value_or(std::chrono::milliseconds(5000));
            out += fmt::format("SET lock_timeout = '{}ms';\n", lt.count());
            if (f.statement_timeout) out += fmt::format("SET statement_timeout = '{}ms';\n", f.statement_timeout->count());
            for (std::size_t i = up ? pm.first_statement : 0; i < statements.size(); ++i)
                out += statements[i].sql + ";\n";
            out += fmt::format("-- ledger: {} {}\n", up ? "record" : "remove", f.version);
            if (!f.no_transaction) out += "COMMIT;\n";
        }
        out += "\n";
    }
    return out;
}

json plan_json(const std::vector<m::PlanGroup>& groups) {
    json a = json::array();
    for (const auto& g : groups) {
        json targets = json::array();
        for (const auto& t : g.targets) targets.push_back(t.name);
        json migrations = json::array();
        const bool up = g.plan.direction == m::Direction::up;
        for (const auto& pm : g.plan.migrations) {
            const auto& f = pm.file;
            auto statements = up ? m::split_statements(f.up_sql, f.up_first_line, f.path)
                                 : m::split_statements(f.down_sql, f.down_first_line, f.path);
            json sql = json::array();
            for (std::size_t i = up ? pm.first_statement : 0; i < statements.size(); ++i) sql.push_back(statements[i].sql);
            migrations.push_back(json{{"version", f.version}, {"name", f.name}, {"path", f.path},
                                      {"no_transaction", f.no_transaction}, {"resume", pm.resume},
                                      {"first_statement", pm.first_statement + 1}, {"statements", sql}});
        }
        a.push_back(json{{"direction", up ? "up" : "down"}, {"targets", targets}, {"migrations", migrations}});
    }
    return a;
}

Records plan_records(const std::vector<m::PlanGroup>& groups) {
    Records r = Records::doc(json{{"plan", plan_json(groups)}});
    r.text = plan_text(groups);
    return r;
}

Records run_plan(Context& ctx, const UpOptionsCli& o) { return plan_records(m::plan(ctx, o.core(ctx))); }

Records run_records(Context& ctx, const m::RunReport& report, std::string_view verb) {
    if (report.dry_run) return plan_records(report.plan);
    std::string versions;
    for (const auto& o : report.shared) versions += (versions.empty() ? "" : ",") + o.version;
    std::size_t done = 0, failed = 0, pending = 0;
    for (const auto& t : report.tenants) {
        if (t.state == "done") ++done;
        else if (t.state == "failed") ++failed;
        else ++pending;
    }
    const std::string summary =
        fmt::format("shared: {} {}; tenant schemas: {} {}, {} failed, {} not started, {} already up to date",
                    report.shared.size(), verb, done, verb, failed, pending, report.tenants_up_to_date);
    ctx.log().info(summary);

    Records r;
    std::vector<std::vector<json>> rows;
    if (!report.shared.empty() || report.tenants.empty()) {
        long long ms = 0;
        for (const auto& o : report.shared) ms += o.duration_ms;
        rows.push_back({std::string(m::kSharedTarget), report.shared.empty() ? "up-to-date" : "done",
                        report.shared.size(), ms, versions, ""});
    }
    for (const auto& t : report.tenants) {
        std::string v;
        for (const auto& o : t.outcomes) v += (v.empty() ? "" : ",") + o.version;
        rows.push_back({t.target.name, t.state, t.applied, t.duration_ms, v, t.error});
    }
    const std::vector<std::string> columns{"target", "state", "migrations", "duration_ms", "versions", "error"};
    if (wants_document(ctx)) {
        json results = json::array();
        for (const auto& row : rows) {
            json o = json::object();
            for (std::size_t i = 0; i < columns.size(); ++i) o[columns[i]] = row[i];
            results.push_back(o);
        }
        r = Records::doc(json{{"run_id", report.run_id},
                              {"summary",
                               {{"shared", report.shared.size()},
                                {"tenant_schemas",
                                 {{"done", done}, {"failed", failed}, {"not_started", pending},
                                  {"up_to_date", report.tenants_up_to_date}}}}},
                              {"results", results}});
    } else {
        r = Records::table(columns);
        r.rows = std::move(rows);
    }
    if (failed + pending > 0) {
        r.exit = Exit::partial;
        r.failure = fmt::format("{} of {} tenant schema(s) failed or did not start; fix them and run `tenantctl migrate "
                                "{} --resume {}`",
                                failed + pending, report.tenants.size(), verb == "applied" ? "up" : "down",
                                report.run_id);
    }
    return r;
}

Records run_up(Context& ctx, const UpOptionsCli& o) { return run_records(ctx, m::up(ctx, o.core(ctx)), "applied"); }

// --- down ------------------------------------------------------------------------------------------
struct DownOptionsCli {
    TENANTCTL_MIGRATE_SELECTION_FIELDS
    std::string to;
    std::optional<int> steps;
    std::string scope = "shared";
    int parallel = 1;
    bool continue_on_error = false;
    int lock_retries = 3;
};

Records run_down(Context& ctx, const DownOptionsCli& o) {
    if (!o.to.empty() && o.steps) throw UsageError("--to and --steps are exclusive");
    m::DownOptions d;
    d.sel = selection_of(ctx, o);
    if (!o.to.empty()) d.target.to_version = o.to;
    d.target.steps = o.steps.value_or(1);
    d.scope = parse_scope(o.scope);
    if (o.parallel < 1) throw UsageError("--parallel must be at least 1");
    d.parallel = o.parallel;
    d.continue_on_error = o.continue_on_error;
    d.lock_retries = o.lock_retries;
    return run_records(ctx, m::down(ctx, d), "reverted");
}

// --- verify ----------------------------------------------------------------------------------------
Records run_migrate_verify(Context& ctx, const Common& o) {
    auto drift = m::verify(ctx, selection_of(ctx, o));
    Records r = Records::table({"target", "version", "name", "problem", "detail"});
    for (const auto& d : drift)
        r.add({d.target, d.drift.version, d.drift.name, std::string(m::to_string(d.drift.kind)), m::describe(d.drift)});
    if (!drift.empty()) {
        r.exit = Exit::integrity;
        r.failure = fmt::format("{} applied migration(s) no longer match their files", drift.size());
    } else {
        ctx.log().info("every applied migration matches its file");
    }
    return r;
}

// --- baseline / repair -------------------------------------------------------------------------------
struct BaselineOptions {
    TENANTCTL_MIGRATE_SELECTION_FIELDS
    std::string version;
    std::string scope = "shared";
};

Records change_records(const std::vector<m::ChangeRow>& changes) {
    Records r = Records::table({"target", "version", "name", "action", "detail"});
    for (const auto& c : changes) r.add({c.target, c.version, c.name, c.action, c.detail});
    return r;
}

Records run_baseline(Context& ctx, const BaselineOptions& o) {
    return change_records(m::baseline(ctx, selection_of(ctx, o), o.version, parse_scope(o.scope)));
}

struct RepairOptionsCli {
    TENANTCTL_MIGRATE_SELECTION_FIELDS
    std::string scope = "shared";
    std::string mark_applied;
    std::string forget;
};

Records run_repair(Context& ctx, const RepairOptionsCli& o) {
    m::RepairOptions r;
    r.sel = selection_of(ctx, o);
    r.scope = parse_scope(o.scope);
    if (!o.mark_applied.empty()) r.mark_applied = o.mark_applied;
    if (!o.forget.empty()) r.forget = o.forget;
    auto changes = m::repair(ctx, r);
    if (changes.empty()) ctx.log().info("nothing to repair");
    return change_records(changes);
}

// --- lint ------------------------------------------------------------------------------------------
struct LintOptionsCli {
    std::vector<std::string> files;
    std::string dir;
    std::string changed_since;
};

// Files under `dir` added or changed since `ref` (committed, staged, or in the work tree) and
// untracked ones, as canonical paths. Runs git without a shell.
std::set<std::filesystem::path> changed_files(const std::filesystem::path& dir, const std::string& ref) {
    if (ref.empty() || ref[0] == '-') throw UsageError("--changed-since needs a git revision, not '" + ref + "'");
    if (!util::find_in_path("git")) throw UsageError("--changed-since needs git on the PATH");
    auto diff = util::run_process({"git", "-C", dir.string(), "diff", "--name-only", "--relative",
                                   "--diff-filter=ACMR", ref + "^{commit}", "--", "."});
    if (diff.exit_code != 0)
        throw UsageError("--changed-since " + ref + ": git cannot compare with that revision",
                         "give a commit, branch or tag of the repository holding " + dir.string());
    auto untracked = util::run_process({"git", "-C", dir.string(), "ls-files", "--others", "--exclude-standard", "--", "."});
    std::set<std::filesystem::path> out;
    for (const auto* text : {&diff.out, &untracked.out}) {
        std::size_t start = 0;
        while (start < text->size()) {
            auto end = text->find('\n', start);
            if (end == std::string::npos) end = text->size();
            if (end > start) {
                std::error_code ec;
                auto p = std::filesystem::weakly_canonical(dir / text->substr(start, end - start), ec);
                if (!ec) out.insert(p);
            }
            start = end + 1;
        }
    }
    return out;
}

Records run_migrate_lint(Context& ctx, const LintOptionsCli& o) {
    std::vector<std::filesystem::path> paths;
    for (const auto& f : o.files) paths.emplace_back(f);
    if (paths.empty()) paths.push_back(m::migrations_dir(ctx, o.dir));
    for (const auto& p : paths)
        if (!std::filesystem::exists(p)) throw UsageError(p.string() + ": no such file or directory");
    m::LintOptions lo;
    lo.tenant_column = ctx.config().tenancy.column;
    lo.layout = m::configured_layout(ctx);
    if (!o.changed_since.empty()) {
        std::set<std::filesystem::path> only;
        for (const auto& p : paths) {
            auto changed = changed_files(std::filesystem::is_directory(p) ? p : p.parent_path(), o.changed_since);
            only.insert(changed.begin(), changed.end());
        }
        ctx.log().info(fmt::format("{} file(s) added or changed since {}", only.size(), o.changed_since));
        lo.only = std::move(only);
    }
    auto findings = m::lint_files(paths, lo);
    Records r = Records::table({"file", "line", "col", "severity", "rule", "message"});
    std::size_t failing = 0;
    for (const auto& f : findings) {
        r.add({f.file, f.line, f.col, f.severity, f.rule, f.message});
        if (f.severity != "note") ++failing;
    }
    if (failing > 0) {
        r.exit = Exit::check_failed;
        r.failure = fmt::format("{} finding(s); silence one with `-- tenantctl:nolint=RULE` when it is intended",
                                failing);
    } else {
        ctx.log().info("no findings");
    }
    return r;
}

// --- adopt -----------------------------------------------------------------------------------------
struct AdoptOptionsCli {
    std::string from;
    std::string dir;
    std::string history_table;
};

Records run_adopt(Context& ctx, const AdoptOptionsCli& o) {
    m::AdoptOptions a;
    a.from = m::parse_tool(o.from);
    a.sel = m::Selection{m::migrations_dir(ctx, o.dir), {}, m::configured_layout(ctx)};
    a.history_table = o.history_table;
    auto report = m::adopt(ctx, a);
    Records r = Records::table({"version", "name", "action", "detail"});
    for (const auto& row : report.rows) r.add({row.version, row.name, row.action, row.detail});
    ctx.log().info(fmt::format("{}: {} migration(s) {}recorded from {}; {} never applied (`tenantctl migrate up` runs them)",
                               m::to_string(a.from), report.adopted, ctx.dry_run() ? "would be " : "",
                               report.history_table, report.pending));
    return r;
}

std::string lint_rules_text() {
    std::string out = "Rules:";
    for (const auto& rule : m::lint_rules()) out += fmt::format(" {} ({}): {}.", rule.id, rule.severity, rule.summary);
    return out;
}

}  // namespace

void declare_migrate(cli::Registry& r) {
    const std::string dir_help = "migrations directory (default: the config's migrations.dir, else ./migrations)";
    const std::string tenants_help = "only these tenants (slugs, comma-separated or repeated)";
    const std::string exclude_help = "skip these tenants (slugs, comma-separated or repeated)";

    r.command<NewOptions>("migrate new", "Create a migration file in the directory's layout (default <YYYYMMDDHHMMSS>_<name>.sql)")
        .positional("NAME", &NewOptions::name, "what the migration does (letters, digits, spaces, - and _)")
        .option("--scope", &NewOptions::scope, "shared (default) or tenant (runs in every tenant schema)", "SCOPE")
        .choices({"shared", "tenant"})
        .option("--dir", &NewOptions::dir, dir_help, "DIR")
        .complete(cli::Completer::directory)
        .example("tenantctl migrate new add_invoices")
        .example("tenantctl migrate new 'add invoice index' --scope tenant")
        .run(run_new);

    r.command<StatusOptions>("migrate status", "Show applied, pending, failed and changed migrations")
        .flag("--check", &StatusOptions::check, "exit 3 when anything is pending or failed (8 when a file changed)")
        .option("--dir", &StatusOptions::dir, dir_help, "DIR")
        .complete(cli::Completer::directory)
        .option("--tenants", &StatusOptions::tenants, tenants_help, "SLUGS")
        .complete(cli::Completer::tenant_slug)
        .option("--exclude", &StatusOptions::exclude, exclude_help, "SLUGS")
        .complete(cli::Completer::tenant_slug)
        .description("One row per migration of the shared schema, and one row per tenant schema (schema mode), "
                     "all read from the ledger in one query.")
        .example("tenantctl migrate status")
        .example("tenantctl migrate status --check   # in CI: exit 3 when a deploy must migrate")
        .run(run_status);

    auto up_like = [&](auto builder) {
        builder.option("--to", &UpOptionsCli::to, "stop at this version (inclusive)", "VERSION")
            .flag("--allow-out-of-order", &UpOptionsCli::allow_out_of_order,
                  "apply files older than the newest applied one (refused by default, listing them)")
            .option("--dir", &UpOptionsCli::dir, dir_help, "DIR")
            .complete(cli::Completer::directory)
            .option("--tenants", &UpOptionsCli::tenants, tenants_help, "SLUGS")
            .complete(cli::Completer::tenant_slug)
            .option("--exclude", &UpOptionsCli::exclude, exclude_help, "SLUGS")
            .complete(cli::Completer::tenant_slug);
        return builder;
    };

    up_like(r.command<UpOptionsCli>("migrate plan", "Print the SQL `migrate up` would run, per target"))
        .example("tenantctl migrate plan")
        .example("tenantctl migrate plan --to 20240301120000 -o json")
        .run(run_plan);

    up_like(r.command<UpOptionsCli>("migrate up", "Apply pending migrations: the shared schema, then every tenant schema"))
        .option("--parallel", &UpOptionsCli::parallel,
                "tenant schemas migrated at once, one connection each (capped by the server's free connections)", "N")
        .flag("--continue-on-error", &UpOptionsCli::continue_on_error,
              "keep migrating other tenant schemas after one fails (exit 9 at the end)")
        .option("--resume", &UpOptionsCli::resume, "retry the tenant schemas of an earlier run that failed or did not start",
                "RUN")
        .option("--lock-retries", &UpOptionsCli::lock_retries,
                "retries (with backoff) of a migration that hit its lock_timeout (default 3)", "N")
        .mutating()
        .description("Each migration runs in one transaction together with its ledger row; a file with "
                     "`-- tenantctl:no-transaction` runs statement by statement with its progress recorded, so a "
                     "failure or a kill resumes at the failed statement: there is no dirty state. Every migration "
                     "runs with SET lock_timeout (the file's `-- tenantctl:lock-timeout=`, else 5s); a lock timeout "
                     "is retried with backoff. Exits 9 when some tenant schemas failed; `--resume RUN` retries them.")
        .example("tenantctl migrate up")
        .example("tenantctl migrate up --parallel 8 --continue-on-error -o json")
        .example("tenantctl migrate up --resume 5b0c...   # the run id printed by the failed run")
        .run(run_up);

    r.command<DownOptionsCli>("migrate down", "Revert the newest migrations (one by default)")
        .option("--to", &DownOptionsCli::to, "revert everything newer than this version (which stays applied)", "VERSION")
        .option("--steps", &DownOptionsCli::steps, "revert this many migrations (default 1)", "N")
        .option("--scope", &DownOptionsCli::scope, "shared (default) or tenant (every tenant schema)", "SCOPE")
        .choices({"shared", "tenant"})
        .option("--dir", &DownOptionsCli::dir, dir_help, "DIR")
        .complete(cli::Completer::directory)
        .option("--tenants", &DownOptionsCli::tenants, tenants_help, "SLUGS")
        .complete(cli::Completer::tenant_slug)
        .option("--exclude", &DownOptionsCli::exclude, exclude_help, "SLUGS")
        .complete(cli::Completer::tenant_slug)
        .option("--parallel", &DownOptionsCli::parallel, "tenant schemas reverted at once", "N")
        .flag("--continue-on-error", &DownOptionsCli::continue_on_error, "keep going after a tenant schema fails")
        .option("--lock-retries", &DownOptionsCli::lock_retries, "retries after a lock timeout (default 3)", "N")
        .mutating()
        .example("tenantctl migrate down")
        .example("tenantctl migrate down --to 20240101000000 --dry-run")
        .run(run_down);

    r.command<Common>("migrate verify", "Check that every applied migration still matches its file (exit 8 if not)")
        .option("--dir", &Common::dir, dir_help, "DIR")
        .complete(cli::Completer::directory)
        .option("--tenants", &Common::tenants, tenants_help, "SLUGS")
        .complete(cli::Completer::tenant_slug)
        .option("--exclude", &Common::exclude, exclude_help, "SLUGS")
        .complete(cli::Completer::tenant_slug)
        .example("tenantctl migrate verify")
        .run(run_migrate_verify);

    r.command<BaselineOptions>("migrate baseline", "Record VERSION as already applied, for an existing database")
        .positional("VERSION", &BaselineOptions::version, "files up to this version count as applied")
        .option("--scope", &BaselineOptions::scope, "shared (default) or tenant (every selected tenant schema)", "SCOPE")
        .choices({"shared", "tenant"})
        .option("--dir", &BaselineOptions::dir, dir_help, "DIR")
        .complete(cli::Completer::directory)
        .option("--tenants", &BaselineOptions::tenants, tenants_help, "SLUGS")
        .complete(cli::Completer::tenant_slug)
        .option("--exclude", &BaselineOptions::exclude, exclude_help, "SLUGS")
        .complete(cli::Completer::tenant_slug)
        .mutating()
        .example("tenantctl migrate baseline 20240101000000")
        .run(run_baseline);

    r.command<RepairOptionsCli>("migrate repair", "Fix the ledger after a human intervened (audited)")
        .option("--mark-applied", &RepairOptionsCli::mark_applied,
                "a failed no-transaction migration that was finished by hand: record it as applied", "VERSION")
        .option("--forget", &RepairOptionsCli::forget,
                "remove this ledger row (a migration undone by hand, or whose file was deleted)", "VERSION")
        .option("--scope", &RepairOptionsCli::scope, "shared (default) or tenant", "SCOPE")
        .choices({"shared", "tenant"})
        .option("--dir", &RepairOptionsCli::dir, dir_help, "DIR")
        .complete(cli::Completer::directory)
        .option("--tenants", &RepairOptionsCli::tenants, tenants_help, "SLUGS")
        .complete(cli::Completer::tenant_slug)
        .option("--exclude", &RepairOptionsCli::exclude, exclude_help, "SLUGS")
        .complete(cli::Completer::tenant_slug)
        .mutating()
        .description("Without options, accepts the current checksum of every applied file that changed (after "
                     "checking the change is harmless, e.g. a comment). Every repair is an audit event.")
        .example("tenantctl migrate repair --dry-run")
        .example("tenantctl migrate repair --mark-applied 20240301120000")
        .run(run_repair);

    r.command<LintOptionsCli>("migrate lint", "Flag dangerous statements in migration files (offline; exit 3 on findings)")
        .positional("FILES", &LintOptionsCli::files, "files or directories (default: the migrations directory)")
        .complete(cli::Completer::file)
        .option("--dir", &LintOptionsCli::dir, dir_help, "DIR")
        .complete(cli::Completer::directory)
        .description(lint_rules_text() + " Silence a rule for a file with `-- tenantctl:nolint=RULE` in its header, "
                                         "or for one statement with the same comment on the line before it.")
        .option("--changed-since", &LintOptionsCli::changed_since,
                "report only files added or changed since this git revision (the others are still read, so RLS "
                "or an index in another file counts)",
                "GITREF")
        .example("tenantctl migrate lint")
        .example("tenantctl migrate lint --changed-since origin/main   # in CI")
        .example("tenantctl migrate lint migrations/20240301120000_add_index.sql -o json")
        .run(run_migrate_lint);

    r.command<AdoptOptionsCli>("migrate adopt", "Take over the history another migration tool recorded")
        .option("--from", &AdoptOptionsCli::from, "the tool: flyway, golang-migrate, dbmate or prisma", "TOOL")
        .choices({"flyway", "golang-migrate", "dbmate", "prisma"})
        .required()
        .option("--history-table", &AdoptOptionsCli::history_table,
                "that tool's history table (default: flyway_schema_history, schema_migrations or _prisma_migrations, "
                "found with the search_path)",
                "TABLE")
        .option("--dir", &AdoptOptionsCli::dir, dir_help, "DIR")
        .complete(cli::Completer::directory)
        .mutating()
        .description("Reads the tool's own history and records every migration it applied in tenantctl's ledger "
                     "with its file's checksum, so `migrate up` runs only what was never applied and `migrate down` "
                     "uses the tool's down or undo files. Refused (exit 5) when the history is dirty or failed, or "
                     "names a file that is missing. Idempotent; audited; under the migration lock. The directory "
                     "is read in the tool's layout unless migrations.layout says otherwise.")
        .example("tenantctl migrate adopt --from golang-migrate --dry-run")
        .example("tenantctl migrate adopt --from flyway --history-table app.flyway_schema_history --yes")
        .run(run_adopt);
}

}  // namespace tenantctl::commands
