#include "core/tenants/purge.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/audit/append.hpp"
#include "core/context.hpp"
#include "core/db/connection.hpp"
#include "core/db/errors.hpp"
#include "core/errors.hpp"
#include "core/platform/migrations.hpp"
#include "core/util/slug.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::tenants {

namespace {

using Clock = std::chrono::steady_clock;

// One unit of the row phase. `key` names it in the checkpoint ("delete:public.users").
struct Step {
    enum Kind { nullify, remove } kind = remove;
    catalog::TableName table;
    std::vector<std::string> columns;  // nullify: the referencing columns to set NULL
    std::string key;
};

struct RowPlan {
    std::vector<Step> steps;
    std::vector<catalog::TableName> tables;
    // A cycle that can only be broken by deferring: the row phase runs in one transaction.
    std::vector<std::string> deferred;  // quoted, schema-qualified constraint names
};

RowPlan plan_rows(Context& ctx, pqxx::transaction_base& tx) {
    const std::string& col = ctx.config().tenancy.column;
    RowPlan plan;
    auto tables = shared_tenant_tables(ctx, tx);
    for (const auto& t : tables) plan.tables.push_back(t.name);
    auto fks = catalog::foreign_keys(tx, tables);
    // A table without the tenancy column that references a tenant table cannot be scoped to
    // the tenant: its rows would block the delete halfway through. Refuse up front, unless
    // the database itself cascades (or nulls) them.
    std::set<catalog::TableName> scoped(plan.tables.begin(), plan.tables.end());
    for (const auto& fk : fks)
        if (scoped.count(fk.parent) && !scoped.count(fk.child) && fk.on_delete != 'c' && fk.on_delete != 'n' &&
            fk.on_delete != 'd')
            throw Refused(fmt::format("table {} references {} ({}) but has no {} column, so its rows of the tenant "
                                      "cannot be found",
                                      fk.child.display(), fk.parent.display(), fk.constraint, col),
                          "add the tenancy column to it, or make the foreign key ON DELETE CASCADE");
    auto order = catalog::delete_order(plan.tables, fks);
    for (const auto& fk : order.broken) {
        std::vector<std::string> cols;
        for (const auto& c : fk.child_columns)
            if (c != col) cols.push_back(c);
        if (fk.child_columns_nullable && !cols.empty()) {
            plan.steps.push_back(Step{Step::nullify, fk.child, cols, "null:" + fk.child.display() + ":" + fk.constraint});
        } else {
            plan.deferred.push_back(db::quote_qualified(fk.child.schema, fk.constraint));
        }
    }
    for (const auto& t : order.tables) plan.steps.push_back(Step{Step::remove, t, {}, "delete:" + t.display()});
    return plan;
}

// Deletes (or un-references) up to `batch` rows of the tenant. The ctid list comes from the
// tenancy-column filter, and the outer statement repeats the filter, so a ctid that matches
// a row of another partition never touches anything but this tenant's rows.
long long run_batch(pqxx::transaction_base& tx, const Step& step, const std::string& column,
                    const std::string& tenant_id, long long batch) {
    const std::string t = step.table.quoted();
    const std::string c = db::quote_ident(column);
    if (step.kind == Step::remove) {
        auto r = tx.exec_params(fmt::format("DELETE FROM {0} WHERE {1} = $1::uuid AND ctid = ANY(ARRAY("
                                            "SELECT ctid FROM {0} WHERE {1} = $1::uuid LIMIT $2))",
                                            t, c),
                                tenant_id, batch);
        return r.affected_rows();
    }
    std::string set, not_null;
    for (const auto& col : step.columns) {
        set += (set.empty() ? "" : ", ") + db::quote_ident(col) + " = NULL";
        not_null += (not_null.empty() ? "" : " OR ") + db::quote_ident(col) + " IS NOT NULL";
    }
    auto r = tx.exec_params(fmt::format("UPDATE {0} SET {2} WHERE {1} = $1::uuid AND ({3}) AND ctid = ANY(ARRAY("
                                        "SELECT ctid FROM {0} WHERE {1} = $1::uuid AND ({3}) LIMIT $2))",
                                        t, c, set, not_null),
                            tenant_id, batch);
    return r.affected_rows();
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

// Rows phase; returns false when the deadline stopped it.
bool purge_rows(Context& ctx, const Tenant& t, Job& job, const RowPlan& plan, const PurgeOptions& o) {
    const std::string& column = ctx.config().tenancy.column;
    const std::string& setting = ctx.config().tenancy.setting;
    if (!plan.deferred.empty()) {
        // One transaction, constraints checked at commit: a kill rolls it all back.
        pqxx::work tx(ctx.db());
        tx.exec0("SET CONSTRAINTS " + util::join(plan.deferred, ", ") + " DEFERRED");
        db::set_tenant_local(tx, setting, t.id);
        for (const auto& step : plan.steps) {
            if (is_done(job, step.key)) continue;
            for (long long n = o.batch_size; n == o.batch_size;) {
                n = run_batch(tx, step, column, t.id, o.batch_size);
                if (step.kind == Step::remove) add_count(job, step.table.display(), n);
            }
            job.cursor["done"].push_back(step.key);
        }
        save_job(ctx, tx, job);
        tx.commit();
        return true;
    }
    for (const auto& step : plan.steps) {
        if (is_done(job, step.key)) continue;
        for (;;) {
            if (past(o)) return false;
            pqxx::work tx(ctx.db());
            db::set_tenant_local(tx, setting, t.id);
            long long n = run_batch(tx, step, column, t.id, o.batch_size);
            if (step.kind == Step::remove) add_count(job, step.table.display(), n);
            const bool finished = n < o.batch_size;
            if (finished) job.cursor["done"].push_back(step.key);
            save_job(ctx, tx, job);
            tx.commit();
            if (finished) {
                ctx.log().debug(fmt::format("purge {}: {} done ({} rows so far)", t.slug, step.key,
                                            job.counts.value("rows", 0LL)));
                break;
            }
        }
    }
    return true;
}

// What is left of the tenant: tables with rows, and its schema.
std::vector<std::string> leftovers(Context& ctx, const Tenant& t, const RowPlan& plan) {
    std::vector<std::string> left;
    pqxx::work tx(ctx.db());
    db::set_tenant_local(tx, ctx.config().tenancy.setting, t.id);
    const std::string c = db::quote_ident(ctx.config().tenancy.column);
    for (const auto& table : plan.tables) {
        auto r = tx.exec_params(fmt::format("SELECT 1 FROM {} WHERE {} = $1::uuid LIMIT 1", table.quoted(), c), t.id);
        if (!r.empty()) left.push_back(table.display());
    }
    if (auto schema = tenant_schema(t); schema && schema_exists(tx, *schema)) left.push_back("schema " + *schema);
    return left;
}

void finish(Context& ctx, const Tenant& t, Job& job, bool forced) {
    pqxx::work tx(ctx.db());
    auto destroyed = tx.exec_params(fmt::format("UPDATE {} SET state = 'destroyed', wrapped_key = NULL, "
                                                "destroyed_at = now() WHERE tenant_id = $1::uuid AND state <> 'destroyed'",
                                                ctx.platform_table("tenant_keys")),
                                    t.id)
                         .affected_rows();
    auto api = tx.exec_params(fmt::format("DELETE FROM {} WHERE tenant_id = $1::uuid", ctx.platform_table("api_keys")), t.id)
                   .affected_rows();
    tx.exec_params(fmt::format("UPDATE {} SET subject = NULL, note = NULL WHERE tenant_id = $1::uuid",
                               ctx.platform_table("gdpr_requests")),
                   t.id);
    tx.exec_params(fmt::format("UPDATE {} SET status = 'purged', name = NULL, admin_email = NULL, status_reason = NULL, "
                               "settings = '{{}}', flags = '{{}}', purged_at = now(), updated_at = now() "
                               "WHERE id = $1::uuid",
                               ctx.platform_table("tenants")),
                   t.id);
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

std::vector<catalog::Table> shared_tenant_tables(Context& ctx, pqxx::transaction_base& tx) {
    std::set<std::string> isolated;
    for (const auto& r : tx.exec(fmt::format("SELECT slug FROM {} WHERE isolation = 'schema'", ctx.platform_table("tenants")))) {
        std::string slug = r[0].c_str();
        if (slug.size() <= util::kMaxSchemaSlugLength) isolated.insert(util::schema_name_for_slug(slug));
    }
    auto all = catalog::tenant_tables(tx, ctx.config().tenancy.column, ctx.schema());
    std::vector<catalog::Table> out;
    for (auto& t : all)
        if (!isolated.count(t.name.schema)) out.push_back(std::move(t));
    return out;
}

std::vector<TableCount> row_counts(Context& ctx, pqxx::transaction_base& tx, const Tenant& tenant) {
    std::vector<TableCount> out;
    db::set_tenant_local(tx, ctx.config().tenancy.setting, tenant.id);
    const std::string c = db::quote_ident(ctx.config().tenancy.column);
    for (const auto& t : shared_tenant_tables(ctx, tx)) {
        auto n = tx.exec_params1(fmt::format("SELECT count(*) FROM {} WHERE {} = $1::uuid", t.name.quoted(), c), tenant.id);
        out.push_back(TableCount{t.name.display(), n[0].as<long long>()});
    }
    if (auto schema = tenant_schema(tenant)) {
        auto tables = tx.exec_params("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                                     "WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition "
                                     "ORDER BY 1",
                                     *schema);
        for (const auto& r : tables) {
            catalog::TableName name{*schema, r[0].c_str()};
            auto n = tx.exec1(fmt::format("SELECT count(*) FROM {}", name.quoted()));
            out.push_back(TableCount{name.display(), n[0].as<long long>()});
        }
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
            // The order comes first: a schema purge cannot handle (a cycle of NOT NULL,
            // non-deferrable keys) is refused before anything is recorded or changed.
            plan = plan_rows(ctx, tx);
            auto existing = find_job(ctx, tx, t.id);
            if (!existing) {
                const bool due = tx.exec_params1(fmt::format("SELECT status = 'pending_deletion' AND purge_after <= now() "
                                                             "FROM {} WHERE id = $1::uuid",
                                                             ctx.platform_table("tenants")),
                                                 t.id)[0]
                                     .as<bool>(false);
                if (!due && !o.force) {
                    if (t.status != "pending_deletion")
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
            } else {
                job.cursor = json{{"done", json::array()}};
                job.counts = json{{"rows", 0}, {"tables", json::object()}};
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
            }
            tx.commit();
        }

        if (!purge_rows(ctx, t, job, plan, o)) {
            ctx.log().warn(fmt::format("purge of tenant '{}' stopped at the deadline; a re-run resumes it", slug));
            return result_from(t, job, "interrupted");
        }
        std::optional<std::string> dropped;
        if (auto schema = tenant_schema(t)) {
            pqxx::work tx(ctx.db());
            tx.exec0("DROP SCHEMA IF EXISTS " + db::quote_ident(*schema) + " CASCADE");
            tx.commit();
            dropped = schema;
        }
        auto left = leftovers(ctx, t, plan);
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
                                 "stop whatever writes them (the app?) and re-run the purge");
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
                             "  (t.status = 'pending_deletion' AND t.purge_after <= now()) OR EXISTS ("
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
            if (e.code() == Exit::db_unavailable) throw;
            ctx.log().error(fmt::format("purge of tenant '{}' failed: {}", slug, e.what()));
            out.failed.emplace_back(slug, e.what());
            ctx.reset_db();
        }
    }
    return out;
}

}  // namespace tenantctl::tenants
