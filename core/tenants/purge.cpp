#include "core/tenants/purge.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <set>

#include "core/audit/append.hpp"
#include "core/citus/cluster.hpp"
#include "core/context.hpp"
#include "core/db/connection.hpp"
#include "core/db/errors.hpp"
#include "core/db/lock_check.hpp"
#include "core/errors.hpp"
#include "core/model/row_access.hpp"
#include "core/model/tenant_data.hpp"
#include "core/model/user_triggers.hpp"
#include "core/platform/migrations.hpp"
#include "core/util/duration.hpp"
#include "core/util/slug.hpp"
#include "core/util/strings.hpp"
#include "core/util/failpoint.hpp"
#include "core/util/interrupt.hpp"
#include "core/util/progress.hpp"

namespace tenantctl::tenants {

namespace {

using Clock = std::chrono::steady_clock;

// One unit of the row phase. `key` names it in the checkpoint ("delete:public.users").
struct Step {
    enum Kind { nullify, remove } kind = remove;
    const model::Relation* relation = nullptr;
    std::vector<std::string> columns;  // nullify: the referencing columns to set NULL
    std::string key;
    // The whole step in one statement: no key to batch by, or a self-reference that is only
    // satisfied once every row of the tenant is gone.
    bool single_statement = false;
};

struct RowPlan {
    model::TenantData data;
    std::vector<Step> steps;
    // A cycle that can only be broken by deferring: the row phase runs in one transaction.
    std::vector<std::string> deferred;  // quoted, schema-qualified constraint names
};

// One batch of a step as a single statement. With a row identity the batch is the next
// `$2` keys of the tenant after the cursor (`$3...`, typed by each key column), in key order,
// so every batch is an index range and resuming never re-reads what is gone; the statement
// returns how many rows it selected, how many it changed, and the batch's last key. Without
// an identity the whole step is one statement.
std::string batch_sql(const model::TenantData& data, const Step& step, bool with_cursor) {
    const model::Relation& r = *step.relation;
    const std::string t = r.name.quoted();
    std::string change_set, still;
    if (step.kind == Step::nullify) {
        for (const auto& col : step.columns) {
            change_set += (change_set.empty() ? "" : ", ") + db::quote_ident(col) + " = NULL";
            still += std::string(still.empty() ? "" : " OR ") + "x." + db::quote_ident(col) + " IS NOT NULL";
        }
        still = " AND (" + still + ")";
    }
    if (!r.identity || step.single_statement) {
        // $2 (the batch size) is unused: the step is one statement.
        const std::string pred = data.tenant_predicate(r, "x", 1) + " AND $2::bigint > 0";
        if (step.kind == Step::remove)
            return fmt::format("WITH gone AS (DELETE FROM {} x WHERE {} RETURNING 1) "
                               "SELECT count(*), count(*), NULL::text FROM gone",
                               t, pred);
        return fmt::format("WITH gone AS (UPDATE {} x SET {} WHERE {}{} RETURNING 1) "
                           "SELECT count(*), count(*), NULL::text FROM gone",
                           t, change_set, pred, still);
    }
    const auto& key = r.identity.columns;
    std::string cursor;
    if (with_cursor) cursor = fmt::format(" AND {} > {}", model::column_tuple(key, "x"), model::typed_placeholders(r, key, 3));
    std::vector<std::string> last_cols, join;
    for (std::size_t i = 0; i < key.size(); ++i) {
        last_cols.push_back(fmt::format("b.{}::text", db::quote_ident(key[i])));
        join.push_back(fmt::format("y.{0} = b.{0}", db::quote_ident(key[i])));
    }
    std::vector<std::string> key_list;
    for (const auto& k : key) key_list.push_back("x." + db::quote_ident(k));
    const std::string batch = fmt::format("SELECT {0} FROM {1} x WHERE {2}{3}{4} ORDER BY {0} LIMIT $2",
                                          util::join(key_list, ", "), t, data.tenant_predicate(r, "x", 1), still, cursor);
    const std::string change =
        step.kind == Step::remove
            ? fmt::format("DELETE FROM {} y USING batch b WHERE {} RETURNING 1", t, util::join(join, " AND "))
            : fmt::format("UPDATE {} y SET {} FROM batch b WHERE {} RETURNING 1", t, change_set, util::join(join, " AND "));
    std::vector<std::string> order_desc;
    for (const auto& k : key) order_desc.push_back("b." + db::quote_ident(k) + " DESC");
    return fmt::format("WITH batch AS MATERIALIZED ({}), changed AS ({}) "
                       "SELECT (SELECT count(*) FROM batch), (SELECT count(*) FROM changed), l.* "
                       "FROM (SELECT 1) one LEFT JOIN (SELECT {} FROM batch b ORDER BY {} LIMIT 1) l ON true",
                       batch, change, util::join(last_cols, ", "), util::join(order_desc, ", "));
}

// The purge deletes as the app would, so the app's triggers fire: a delete they cascade
// elsewhere is the app's rule, but a row they write outside the tenant's tables (an archive of
// deleted rows, with its personal data) is not the purge's to find. The operator hears of them,
// in the dry run too.
void warn_of_triggers(Context& ctx, pqxx::transaction_base& tx, const RowPlan& plan, const std::string& slug) {
    // Deletes everywhere; updates only where a key of a cycle is set to NULL first.
    std::vector<const model::Relation*> deleted, updated;
    for (const auto& r : plan.data.relations()) deleted.push_back(&r);
    for (const auto& step : plan.steps)
        if (step.kind == Step::nullify) updated.push_back(step.relation);
    auto fired = model::user_triggers_of(tx, deleted, model::kOnDelete).all();
    if (!updated.empty())
        for (auto& t : model::user_triggers_of(tx, updated, model::kOnUpdate).all())
            if (std::find(fired.begin(), fired.end(), t) == fired.end()) fired.push_back(std::move(t));
    if (fired.empty()) return;
    ctx.log().warn(fmt::format("tenant '{}': {} trigger{} of the app fire{} on the purge's deletes ({}): what they write "
                               "outside the tenant's tables is not purged",
                               slug, fired.size(), fired.size() == 1 ? "" : "s", fired.size() == 1 ? "s" : "",
                               util::join(fired, ", ")));
}

// The purge removes the tenant's rows and keys, not its history: its audit events stay in the
// log (sealed chains must still verify) until retention prunes their month, and then in the
// month's archive. They can name people, so the operator hears of it, in the dry run too.
void note_audit_events_kept(Context& ctx, pqxx::transaction_base& tx, const Tenant& t) {
    const bool any = tx.exec_params1(fmt::format("SELECT EXISTS (SELECT 1 FROM {} WHERE tenant_id = $1::uuid)",
                                                 ctx.platform_table("audit_log")),
                                     t.id)[0]
                         .as<bool>();
    if (!any) return;
    ctx.log().info(fmt::format("tenant '{}': its audit events stay in the audit log until `audit partitions prune` drops "
                               "their month (audit.retention: {}); to remove a person's identifiers from them sooner, "
                               "`tenantctl gdpr erase` that person before the purge",
                               t.slug, util::to_string(ctx.config().audit.retention)));
}

RowPlan plan_rows(Context& ctx, pqxx::transaction_base& tx) {
    RowPlan plan{model::TenantData::load(ctx, tx), {}, {}};
    const model::TenantData& data = plan.data;
    // A table outside the model that references a tenant table without cascading cannot be
    // scoped to the tenant: its rows would block the delete halfway through. Refuse up front.
    for (const auto& fk : data.blocking_references())
        throw Refused(fmt::format("table {} references {} ({}) but has no {} column, so its rows of the tenant "
                                  "cannot be found",
                                  fk.child.display(), fk.parent.display(), fk.constraint, data.tenancy_column()),
                      "add the tenancy column to it, or make the foreign key ON DELETE CASCADE");
    auto order = data.delete_order();
    const bool on_citus = citus::installed(tx);
    const auto placed = on_citus ? citus::placements(tx) : std::map<catalog::TableName, citus::Placement>{};
    for (const auto& fk : order.broken) {
        if (fk.child_columns_nullable) {
            plan.steps.push_back(Step{Step::nullify, &data.get(fk.child), fk.nullify_columns,
                                      "null:" + fk.child.display() + ":" + fk.constraint, false});
        } else {
            // Citus does not pass SET CONSTRAINTS on to the workers: the shards would check the
            // key at once, and the delete would fail halfway. Refuse before deleting anything.
            if (citus::placement_of(placed, fk.child).kind == citus::Placement::Kind::distributed)
                throw Refused(fmt::format("the foreign-key cycle through {} ({}) can only be broken by deferring "
                                          "the key, and Citus does not defer keys on the workers' shards",
                                          fk.child.display(), fk.constraint),
                              "make the key's columns nullable (purge then nulls them first) or the key INITIALLY "
                              "DEFERRED, or ON DELETE CASCADE");
            plan.deferred.push_back(db::quote_qualified(fk.child.schema, fk.constraint));
        }
    }
    // Dependents are deleted explicitly, children first, so their rows are counted, and so
    // rows a SET NULL key would only unlink do not outlive the tenant.
    for (const auto& name : order.tables) {
        const model::Relation& r = data.get(name);
        const bool whole = std::find(order.single_statement.begin(), order.single_statement.end(), name) !=
                           order.single_statement.end();
        plan.steps.push_back(Step{Step::remove, &r, {}, "delete:" + r.display(), whole});
    }
    return plan;
}

// Parses every statement of the plan on the server (types, columns, permissions to read the
// catalog), so a purge that cannot run fails before anything is recorded or changed.
void prepare_statements(pqxx::transaction_base& tx, const RowPlan& plan) {
    for (const auto& step : plan.steps)
        for (bool cursor : {false, true}) {
            if (cursor && (!step.relation->identity || step.single_statement)) continue;
            tx.exec(fmt::format("PREPARE tenantctl_purge_check AS {}", batch_sql(plan.data, step, cursor)));
            tx.exec("DEALLOCATE tenantctl_purge_check");
        }
}

struct BatchResult {
    long long selected = 0, changed = 0;
    std::vector<std::string> last;  // the batch's last key, as text
};

BatchResult run_batch(pqxx::transaction_base& tx, const RowPlan& plan, const Step& step, const std::string& tenancy_value,
                      long long batch, const std::vector<std::string>& cursor) {
    std::vector<std::string> params{tenancy_value, std::to_string(batch)};
    params.insert(params.end(), cursor.begin(), cursor.end());
    auto r = tx.exec_params(batch_sql(plan.data, step, !cursor.empty()), pqxx::prepare::make_dynamic_params(params));
    BatchResult out;
    out.selected = r[0][0].as<long long>();
    out.changed = r[0][1].as<long long>();
    const bool batched = step.relation->identity && !step.single_statement;
    if (batched && !r[0][2].is_null())
        for (pqxx::row::size_type i = 2; i < r[0].size(); ++i) out.last.push_back(r[0][i].c_str());
    // Unbatched, the one statement did the whole step.
    if (!batched) out.selected = 0;
    return out;
}

struct Job {
    std::string id;
    json cursor;  // {"done": [step keys]}
    json counts;  // {"rows": n, "tables": {"schema.table": n}}
};

std::optional<Job> find_job(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id) {
    auto r = tx.exec_params(fmt::format("SELECT id::text, cursor::text, counts::text FROM {} "
                                        "WHERE kind = $1 AND tenant_id = $2::uuid AND state = 'running' "
                                        "ORDER BY started_at LIMIT 1",
                                        ctx.platform_table("jobs")),
                            kPurgeJob, tenant_id);
    if (r.empty()) return std::nullopt;
    return Job{r[0][0].c_str(), json::parse(r[0][1].c_str()), json::parse(r[0][2].c_str())};
}

void save_job(Context& ctx, pqxx::transaction_base& tx, const Job& job) {
    tx.exec_params(fmt::format("UPDATE {} SET cursor = $2::jsonb, counts = $3::jsonb, updated_at = now(), "
                               "heartbeat_at = now() WHERE id = $1::uuid",
                               ctx.platform_table("jobs")),
                   job.id, job.cursor.dump(), job.counts.dump());
}

// After a failed run: whether a purge job of the tenant was committed, found on a fresh
// connection (the work connection may be the one that failed); false when that cannot be
// found out. The job's steps start over on the next run: a step recorded as done may not be.
// A trigger of the app can skip a step's deletes in silence (BEFORE DELETE ... RETURN NULL),
// and a later step then meets the rows it kept through a foreign key; resuming after that
// step would meet them again forever, even once the app lets them go. A finished step costs
// one empty batch to run again.
bool keep_job_for_resume(Context& ctx, const std::string& tenant_id) {
    std::optional<Job> job;
    try {
        ctx.reset_db();
        pqxx::work tx(ctx.db());
        job = find_job(ctx, tx, tenant_id);
        if (!job) return false;
        job->cursor["done"] = json::array();
        save_job(ctx, tx, *job);
        tx.commit();
    } catch (...) {
        return job.has_value();
    }
    return true;
}

bool is_done(const Job& job, const std::string& key) {
    const json done = job.cursor.value("done", json::array());
    return std::find(done.begin(), done.end(), json(key)) != done.end();
}

void add_count(Job& job, const std::string& table, long long n) {
    job.counts["rows"] = job.counts.value("rows", 0LL) + n;
    auto& tables = job.counts["tables"];
    tables[table] = tables.value(table, 0LL) + n;
}

bool past(const PurgeOptions& o) { return o.deadline && Clock::now() >= *o.deadline; }

std::optional<std::string> tenant_schema(const Tenant& t) {
    if (t.isolation != "schema") return std::nullopt;
    return util::schema_name_for_slug(t.slug);
}

bool schema_exists(pqxx::transaction_base& tx, const std::string& schema) {
    return tx.exec_params1("SELECT count(*) > 0 FROM pg_namespace WHERE nspname = $1", schema)[0].as<bool>();
}

// Where the schema still exists after its DROP, read afresh: "coordinator", and on Citus every
// worker by address (Citus drops a distributed schema's shards on the workers; this asks them).
std::vector<std::string> nodes_with_schema(Context& ctx, const std::string& schema) {
    std::vector<std::string> out;
    pqxx::read_transaction tx(ctx.db());
    if (schema_exists(tx, schema)) out.push_back("the server it was dropped on");
    if (!citus::installed(tx)) return out;
    for (const auto& row : tx.exec_params(
             "SELECT nodename || ':' || nodeport, success, result FROM run_command_on_workers("
             "  format('SELECT count(*) FROM pg_namespace WHERE nspname = %L', $1::text))",
             schema))
        if (!row[1].as<bool>() || std::string(row[2].c_str()) != "0") out.push_back(row[0].c_str());
    return out;
}

PurgeResult result_from(const Tenant& t, const Job& job, std::string outcome) {
    PurgeResult r;
    r.slug = t.slug;
    r.tenant_id = t.id;
    r.outcome = std::move(outcome);
    r.rows_deleted = job.counts.value("rows", 0LL);
    if (job.counts.contains("tables"))
        for (const auto& [table, n] : job.counts["tables"].items()) r.tables.push_back(TableCount{table, n.get<long long>()});
    return r;
}

std::vector<TableCount> count_rows(Context& ctx, pqxx::transaction_base& tx, const model::TenantData& data,
                                   const std::string& tenancy_value);

// Runs one step to its end in `tx`, batch by batch (the one-transaction path).
void run_step_in(pqxx::transaction_base& tx, const RowPlan& plan, const Step& step, const std::string& value, Job& job,
                 long long batch_size) {
    std::vector<std::string> cursor;
    for (;;) {
        auto b = run_batch(tx, plan, step, value, batch_size, cursor);
        if (step.kind == Step::remove) add_count(job, step.relation->display(), b.changed);
        if (b.selected < batch_size) break;
        cursor = std::move(b.last);
    }
    job.cursor["done"].push_back(step.key);
}

// Rows phase; returns false when the deadline stopped it. `start` runs in the first
// transaction that changes rows, so a purge that fails before deleting anything leaves
// nothing behind (no job, no status change).
bool purge_rows(Context& ctx, const Tenant& t, Job& job, const RowPlan& plan, const PurgeOptions& o,
                const std::function<void(pqxx::transaction_base&)>& start) {
    if (!plan.deferred.empty()) {
        // One transaction, constraints checked at commit: a kill rolls it all back.
        pqxx::work tx(ctx.db());
        if (start) start(tx);
        tx.exec0("SET CONSTRAINTS " + util::join(plan.deferred, ", ") + " DEFERRED");
        model::enter_tenant(ctx, tx, t.tenancy_value);
        for (const auto& step : plan.steps)
            if (!is_done(job, step.key)) run_step_in(tx, plan, step, t.tenancy_value, job, o.batch_size);
        save_job(ctx, tx, job);
        util::failpoint("purge.before-commit");
        db::verify_held_locks();
        tx.commit();
        return true;
    }
    bool started = !start;
    auto begin = [&](pqxx::work& tx) {
        if (!started) start(tx);
        started = true;
    };
    const long long rows_before = job.counts.value("rows", 0LL);
    long long total = 0;  // for the progress line's ETA; counted only when it is shown
    if (ctx.progress_enabled()) {
        pqxx::read_transaction tx(ctx.db());
        for (const auto& c : count_rows(ctx, tx, plan.data, t.tenancy_value)) total += c.rows;
        total += rows_before;
    }
    util::ProgressLine progress(ctx.progress_enabled() ? &ctx.log().stream() : nullptr, "purging " + t.slug, total);
    util::InterruptScope interrupts;
    for (const auto& step : plan.steps) {
        if (is_done(job, step.key)) continue;
        std::vector<std::string> cursor;
        for (;;) {
            if (past(o) && started) return false;
            pqxx::work tx(ctx.db());
            begin(tx);
            model::enter_tenant(ctx, tx, t.tenancy_value);
            auto b = run_batch(tx, plan, step, t.tenancy_value, o.batch_size, cursor);
            if (step.kind == Step::remove) add_count(job, step.relation->display(), b.changed);
            const bool finished = b.selected < o.batch_size;
            if (finished) job.cursor["done"].push_back(step.key);
            save_job(ctx, tx, job);
            util::failpoint("purge.before-commit");
            db::verify_held_locks();  // a lost lock stops the run (exit 7) before this batch counts
            tx.commit();
            progress.update(job.counts.value("rows", 0LL));
            util::stop_if_interrupted(fmt::format("deleting {} rows of tenant '{}' (job {})",
                                                  job.counts.value("rows", 0LL) - rows_before, t.slug, job.id));
            if (finished) {
                ctx.log().debug(fmt::format("purge {}: {} done ({} rows so far)", t.slug, step.key,
                                            job.counts.value("rows", 0LL)));
                break;
            }
            cursor = std::move(b.last);
        }
    }
    if (!started) {
        // Nothing to delete at all: the start still has to be recorded.
        pqxx::work tx(ctx.db());
        begin(tx);
        tx.commit();
    }
    return true;
}

// The tenant's rows per relation of the model, counted with row security off (a policy
// cannot hide a row from this count: it makes it fail instead).
std::vector<TableCount> count_rows(Context& ctx, pqxx::transaction_base& tx, const model::TenantData& data,
                                   const std::string& tenancy_value) {
    model::enter_tenant(ctx, tx, tenancy_value);
    std::vector<TableCount> out;
    for (const auto& r : data.relations()) {
        auto n = tx.exec_params1(
            fmt::format("SELECT count(*) FROM {} x WHERE {}", r.name.quoted(), data.tenant_predicate(r, "x", 1)),
            tenancy_value);
        out.push_back(TableCount{r.display(), n[0].as<long long>()});
    }
    return out;
}

// What is left of the tenant: tables with rows, and its schema.
std::vector<std::string> leftovers(Context& ctx, const Tenant& t, const RowPlan& plan) {
    std::vector<std::string> left;
    pqxx::work tx(ctx.db());
    for (const auto& c : count_rows(ctx, tx, plan.data, t.tenancy_value))
        if (c.rows > 0) left.push_back(fmt::format("{} ({} rows)", c.table, c.rows));
    if (auto schema = tenant_schema(t); schema && schema_exists(tx, *schema)) left.push_back("schema " + *schema);
    return left;
}

}  // namespace

std::pair<long long, long long> leave_purged_row(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id) {
    auto destroyed = tx.exec_params(fmt::format("UPDATE {} SET state = 'destroyed', wrapped_key = NULL, "
                                                "destroyed_at = now() WHERE tenant_id = $1::uuid AND state <> 'destroyed'",
                                                ctx.platform_table("tenant_keys")),
                                    tenant_id)
                         .affected_rows();
    auto api = tx.exec_params(fmt::format("DELETE FROM {} WHERE tenant_id = $1::uuid", ctx.platform_table("api_keys")), tenant_id)
                   .affected_rows();
    tx.exec_params(fmt::format("UPDATE {} SET subject = NULL, note = NULL WHERE tenant_id = $1::uuid",
                               ctx.platform_table("gdpr_requests")),
                   tenant_id);
    tx.exec_params(fmt::format("UPDATE {} SET status = 'purged', name = NULL, admin_email = NULL, status_reason = NULL, "
                               "settings = '{{}}', flags = '{{}}', purged_at = now(), updated_at = now() "
                               "WHERE id = $1::uuid",
                               ctx.platform_table("tenants")),
                   tenant_id);
    return {static_cast<long long>(destroyed), static_cast<long long>(api)};
}

namespace {

void finish(Context& ctx, const Tenant& t, Job& job, bool forced) {
    db::verify_held_locks();
    pqxx::work tx(ctx.db());
    const auto [destroyed, api] = leave_purged_row(ctx, tx, t.id);
    job.counts["keys_destroyed"] = static_cast<long long>(destroyed);
    job.counts["api_keys_deleted"] = static_cast<long long>(api);
    audit::Event ev;
    ev.tenant_id = t.id;
    ev.action = "tenant.purge";
    ev.resource_type = "tenant";
    ev.resource_id = t.slug;
    ev.metadata = json{{"rows_deleted", job.counts.value("rows", 0LL)},
                       {"tables", job.counts.value("tables", json::object())},
                       {"keys_destroyed", destroyed},
                       {"forced", forced},
                       {"job", job.id}};
    audit::append(ctx, tx, ev);
    save_job(ctx, tx, job);
    tx.exec_params(fmt::format("UPDATE {} SET state = 'done', finished_at = now(), error = NULL WHERE id = $1::uuid",
                               ctx.platform_table("jobs")),
                   job.id);
    // Other open work for the tenant (pending tenant migrations) has nothing left to act on.
    tx.exec_params(fmt::format("UPDATE {} SET state = 'cancelled', finished_at = now(), error = 'tenant purged' "
                               "WHERE tenant_id = $1::uuid AND state = 'running' AND id <> $2::uuid",
                               ctx.platform_table("jobs")),
                   t.id, job.id);
    tx.commit();
}

}  // namespace

bool purge_in_progress(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id) {
    return find_job(ctx, tx, tenant_id).has_value();
}

std::vector<TableCount> row_counts(Context& ctx, pqxx::transaction_base& tx, const Tenant& tenant) {
    auto data = model::TenantData::load(ctx, tx);
    model::require_unfiltered(tx, data);
    auto out = count_rows(ctx, tx, data, tenant.tenancy_value);
    if (auto schema = tenant_schema(tenant); schema && schema_exists(tx, *schema)) {
        auto own = model::TenantData::load_schema(ctx, tx, *schema);
        model::require_unfiltered(tx, own);
        for (const auto& c : count_rows(ctx, tx, own, tenant.tenancy_value)) out.push_back(c);
    }
    return out;
}

PurgeResult purge(Context& ctx, const std::string& slug, const PurgeOptions& o) {
    if (o.batch_size < 1) throw UsageError("--batch-size must be at least 1");
    platform::require_current(ctx);
    auto lock = ctx.lock(lock_name(slug));
    try {
        Tenant t;
        Job job;
        RowPlan plan;
        {
            pqxx::work tx(ctx.db());
            t = load_or_throw(ctx, tx, slug);
            if (t.status == "purged") {
                ctx.log().info(fmt::format("tenant '{}' is already purged", slug));
                PurgeResult r;
                r.slug = slug;
                r.tenant_id = t.id;
                r.outcome = "already_purged";
                return r;
            }
            // Everything that can be checked comes first, so a purge that cannot run is refused
            // before anything is recorded or changed: the order (a cycle of NOT NULL,
            // non-deferrable keys), row-level security that could hide rows, and every
            // statement of the plan, parsed by the server against the columns' own types.
            plan = plan_rows(ctx, tx);
            model::require_unfiltered(tx, plan.data);
            prepare_statements(tx, plan);
            warn_of_triggers(ctx, tx, plan, slug);
            note_audit_events_kept(ctx, tx, t);
            // A tenant on its way to another database is not purged from under the move,
            // --force or not; once it has moved, what is left here goes after its grace period.
            if (t.status == "moving")
                throw Refused(fmt::format("cannot purge tenant '{}': it is moving to another database", slug),
                              fmt::format("finish the move first: `tenantctl tenant move {} --to ...`", slug));
            auto existing = find_job(ctx, tx, t.id);
            if (!existing) {
                const bool due = tx.exec_params1(fmt::format("SELECT status IN ('pending_deletion', 'moved') AND "
                                                             "purge_after <= now() "
                                                             "FROM {} WHERE id = $1::uuid",
                                                             ctx.platform_table("tenants")),
                                                 t.id)[0]
                                     .as<bool>(false);
                if (!due && !o.force) {
                    if (t.status != "pending_deletion" && t.status != "moved")
                        throw Refused(fmt::format("cannot purge tenant '{}': it is {}, not pending deletion", slug, t.status),
                                      "run `tenantctl tenant delete " + slug + "` first, or pass --force --yes");
                    throw Refused(fmt::format("cannot purge tenant '{}': its grace period runs until {}", slug,
                                              t.purge_after.value_or("?")),
                                  "wait, or pass --force --yes to purge it now");
                }
            }
            if (ctx.dry_run()) {
                PurgeResult r;
                r.slug = slug;
                r.tenant_id = t.id;
                r.outcome = "would_purge";
                r.tables = row_counts(ctx, tx, t);
                for (const auto& c : r.tables) r.rows_deleted += c.rows;
                r.schema_dropped = tenant_schema(t);
                return r;
            }
            if (existing) {
                job = *existing;
                ctx.log().info(fmt::format("resuming the purge of tenant '{}' (job {})", slug, job.id));
            }
            tx.commit();
        }

        // A new purge is recorded in the transaction of its first batch: if that fails, the
        // tenant is exactly as it was (and `tenant restore` still works).
        std::function<void(pqxx::transaction_base&)> start;
        if (job.id.empty()) {
            job.cursor = json{{"done", json::array()}};
            job.counts = json{{"rows", 0}, {"tables", json::object()}};
            start = [&](pqxx::transaction_base& tx) {
                job.id = tx.exec_params1(fmt::format("INSERT INTO {} (kind, tenant_id, target, cursor, counts, actor) "
                                                     "VALUES ($1, $2::uuid, $3, $4::jsonb, $5::jsonb, $6) RETURNING id::text",
                                                     ctx.platform_table("jobs")),
                                         kPurgeJob, t.id, slug, job.cursor.dump(), job.counts.dump(), ctx.actor())[0]
                             .c_str();
                if (t.status != "pending_deletion") {
                    // The app must stop serving a tenant before its rows start to disappear.
                    tx.exec_params(fmt::format("UPDATE {} SET status = 'pending_deletion', delete_requested_at = now(), "
                                               "purge_after = now(), updated_at = now() WHERE id = $1::uuid",
                                               ctx.platform_table("tenants")),
                                   t.id);
                }
                audit::Event ev;
                ev.tenant_id = t.id;
                ev.action = "tenant.purge_start";
                ev.resource_type = "tenant";
                ev.resource_id = slug;
                ev.metadata = json{{"from", t.status}, {"forced", o.force}, {"job", job.id}};
                audit::append(ctx, tx, ev);
            };
        }
        // One pass over the steps; false when the deadline stopped it.
        auto run_steps = [&](const std::function<void(pqxx::transaction_base&)>& begin) {
            try {
                if (purge_rows(ctx, t, job, plan, o, begin)) return true;
                ctx.log().warn(fmt::format("purge of tenant '{}' stopped at the deadline; a re-run resumes it", slug));
                return false;
            } catch (...) {
                if (!job.id.empty() && keep_job_for_resume(ctx, t.id))
                    ctx.log().error(fmt::format("the purge of tenant '{}' stopped after deleting {} row(s); its job {} "
                                                "is kept: re-run `tenantctl tenant purge {} --yes` to resume",
                                                slug, job.counts.value("rows", 0LL), job.id, slug));
                throw;
            }
        };
        if (!run_steps(start)) return result_from(t, job, "interrupted");
        std::optional<std::string> dropped;
        if (auto schema = tenant_schema(t)) {
            pqxx::work tx(ctx.db());
            tx.exec0("DROP SCHEMA IF EXISTS " + db::quote_ident(*schema) + " CASCADE");
            tx.commit();
            dropped = schema;
            const auto still = nodes_with_schema(ctx, *schema);
            if (!still.empty())
                throw IntegrityError(fmt::format("purge of tenant '{}': its schema {} is still on {}", slug, *schema,
                                                 util::join(still, ", ")),
                                     "re-run the purge; if it stays, drop the schema on those nodes by hand");
        }
        auto left = leftovers(ctx, t, plan);
        // The purge's own deletes fire the app's triggers, which can write rows of the tenant
        // into a table whose step has finished (a PaperTrail-style `versions` row per deleted
        // record). Those are the tenant's too: the steps run again, a few rounds, before rows
        // left are an error.
        constexpr int kPurgeRounds = 3;
        for (int round = 1; !left.empty() && round < kPurgeRounds; ++round) {
            ctx.log().info(fmt::format("purge of tenant '{}': rows arrived during the purge in {}; deleting them",
                                       slug, util::join(left, ", ")));
            job.cursor["done"] = json::array();
            if (!run_steps(nullptr)) return result_from(t, job, "interrupted");
            left = leftovers(ctx, t, plan);
        }
        if (!left.empty()) {
            // Start over next time: a row may have arrived after its table's step finished.
            pqxx::work tx(ctx.db());
            job.cursor["done"] = json::array();
            save_job(ctx, tx, job);
            tx.exec_params(fmt::format("UPDATE {} SET error = $2 WHERE id = $1::uuid", ctx.platform_table("jobs")), job.id,
                           "rows left in " + util::join(left, ", "));
            tx.commit();
            throw IntegrityError(fmt::format("purge of tenant '{}' left rows in {}; its keys were kept", slug,
                                             util::join(left, ", ")),
                                 "stop whatever writes them (the app, or a trigger of the app that the purge's own "
                                 "deletes fire) and re-run the purge");
        }
        finish(ctx, t, job, o.force);
        auto r = result_from(t, job, "purged");
        r.keys_destroyed = job.counts.value("keys_destroyed", 0);
        r.schema_dropped = dropped;
        return r;
    } catch (...) {
        db::rethrow_translated(fmt::format("purging tenant '{}'", slug));
    }
}

DueResult purge_due(Context& ctx, const PurgeOptions& o) {
    platform::require_current(ctx);
    std::vector<std::string> slugs;
    try {
        pqxx::read_transaction tx(ctx.db());
        for (const auto& r : tx.exec_params(
                 fmt::format("SELECT t.slug FROM {} t WHERE t.status <> 'purged' AND ("
                             "  (t.status IN ('pending_deletion', 'moved') AND t.purge_after <= now()) OR EXISTS ("
                             "  SELECT 1 FROM {} j WHERE j.kind = $1 AND j.tenant_id = t.id AND j.state = 'running')) "
                             "ORDER BY t.purge_after NULLS FIRST, t.slug",
                             ctx.platform_table("tenants"), ctx.platform_table("jobs")),
                 kPurgeJob))
            slugs.push_back(r[0].c_str());
    } catch (...) {
        db::rethrow_translated("listing tenants due for purge");
    }
    DueResult out;
    for (const auto& slug : slugs) {
        if (past(o)) {
            out.deadline_reached = true;
            break;
        }
        try {
            auto r = purge(ctx, slug, PurgeOptions{o.batch_size, false, o.deadline});
            if (r.outcome == "interrupted") out.deadline_reached = true;
            out.purged.push_back(std::move(r));
        } catch (const Error& e) {
            if (e.code() == Exit::db_unavailable || e.code() == Exit::aborted) throw;  // Ctrl-C ends the run
            ctx.log().error(fmt::format("purge of tenant '{}' failed: {}", slug, e.what()));
            out.failed.emplace_back(slug, e.what());
            ctx.reset_db();
        }
    }
    return out;
}

}  // namespace tenantctl::tenants
