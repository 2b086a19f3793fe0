#include "core/citus/distribute.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/audit/append.hpp"
#include "core/context.hpp"
#include "core/db/connection.hpp"
#include "core/db/errors.hpp"
#include "core/errors.hpp"
#include "core/model/tenant_data.hpp"
#include "core/platform/migrations.hpp"
#include "core/util/slug.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::citus {

namespace {

using catalog::TableName;

// Platform tables keyed by tenant_id (every unique key leads with it, DESIGN section 4), in
// the order they are distributed; the first is the colocation group's anchor.
const std::vector<std::string> kPlatformTenantTables = {"tenant_keys", "api_keys",    "gdpr_requests", "audit_keys",
                                                        "audit_chain", "audit_seals", "audit_log"};
// Reference tables first in foreign-key order; any platform table not named anywhere (one a
// later migration adds) becomes a reference table after these.
const std::vector<std::string> kPlatformReferenceTables = {"platform_version", "tenants",           "signing_keys",
                                                           "jobs",             "schema_migrations", "migration_run_targets",
                                                           "audit_listeners"};

bool same_placement(const Placement& have, const Placement& want) {
    if (have.kind != want.kind) return false;
    return want.kind != Placement::Kind::distributed || have.column == want.column;
}

// Fills in done, and a problem when a table is placed some other way tenantctl cannot undo.
void settle(Plan& plan, const std::map<TableName, Placement>& present) {
    for (auto& step : plan.steps) {
        const Placement have = placement_of(present, step.table);
        if (same_placement(have, step.target)) {
            step.done = true;
        } else if (have.kind == Placement::Kind::reference || have.kind == Placement::Kind::distributed) {
            plan.problems.push_back(fmt::format("{} is {}, not {}: change it with undistribute_table() or "
                                                "alter_distributed_table() first",
                                                step.table.display(), have.describe(), step.target.describe()));
        }
    }
}

// A string constant for SQL that cannot take a parameter (a DO block); standard_conforming_strings
// is on in every supported server, so doubling quotes is the whole escaping.
std::string sql_literal(std::string_view text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'') out.push_back('\'');
        out.push_back(c);
    }
    return out + "'";
}

Placement reference() { return Placement{Placement::Kind::reference, "", 0}; }
Placement distributed_by(const std::string& column) { return Placement{Placement::Kind::distributed, column, 0}; }

// Unique indexes of `t` that leave out `column` (Citus can only enforce a unique key on a
// distributed table when it includes the distribution column).
std::vector<std::string> unique_keys_without(pqxx::transaction_base& tx, const TableName& t,
                                             const std::string& column) {
    std::vector<std::string> out;
    for (const auto& row : tx.exec_params(
             "SELECT i.indexrelid::regclass::text FROM pg_index i "
             "WHERE i.indrelid = $1::regclass AND i.indisunique AND NOT EXISTS ("
             "  SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attname = $2 "
             "  AND a.attnum = ANY (i.indkey::smallint[]))",
             t.quoted(), column))
        out.push_back(row[0].c_str());
    return out;
}

// The audit event of a distribution, also when it stopped part-way (what was placed stays).
void record(Context& ctx, const std::vector<Step>& placed, bool complete) {
    if (placed.empty() && complete) return;
    json tables = json::array();
    for (const auto& s : placed) tables.push_back({{"table", s.table.display()}, {"placement", s.target.describe()}});
    pqxx::work tx(ctx.db());
    audit::Event event;
    event.action = "citus.distribute";
    event.resource_type = "cluster";
    event.resource_id = "app";
    event.metadata = {{"placed", tables}, {"complete", complete}};
    audit::append(ctx, tx, event);
    tx.commit();
}

// Schema mode on Citus is schema-based sharding: every schema-isolated tenant's schema is a
// distributed schema (new ones are made so by `tenant create`; older ones here). Its step
// names the schema as "SCHEMA.*". After the tables: a tenant schema's tables may reference
// the app's reference tables.
void add_schema_steps(pqxx::transaction_base& tx, const std::string& platform_schema, Plan& plan) {
    std::vector<std::string> slugs, schemas;
    for (const auto& row : tx.exec(fmt::format("SELECT slug FROM {} WHERE isolation = 'schema' AND status <> 'purged' "
                                               "ORDER BY slug",
                                               TableName{platform_schema, "tenants"}.quoted()))) {
        slugs.push_back(row[0].c_str());
        schemas.push_back(util::schema_name_for_slug(slugs.back()));
    }
    if (slugs.empty()) return;
    // One query for every tenant schema (there may be thousands): does it exist, is it distributed.
    for (const auto& row : tx.exec_params(
             "SELECT x.n, EXISTS (SELECT 1 FROM pg_dist_schema d WHERE d.schemaid = s.oid) "
             "FROM unnest($1::text[]) WITH ORDINALITY AS x(name, n) JOIN pg_namespace s ON s.nspname = x.name "
             "ORDER BY x.n",
             db::text_array(schemas))) {
        const auto i = row[0].as<std::size_t>() - 1;
        Step step;
        step.table = TableName{schemas[i], "*"};
        step.target = Placement{Placement::Kind::single_shard, "", 0};
        step.reason = fmt::format("the schema of tenant '{}'", slugs[i]);
        step.done = row[1].as<bool>();
        plan.steps.push_back(std::move(step));
    }
}

}  // namespace

std::size_t Plan::pending() const {
    return static_cast<std::size_t>(std::count_if(steps.begin(), steps.end(), [](const Step& s) { return !s.done; }));
}

Plan platform_plan(pqxx::transaction_base& tx, const std::string& schema,
                   const std::map<TableName, Placement>& present) {
    Plan plan;
    std::set<std::string> tables;
    for (const auto& row : tx.exec_params("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                                          "WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition",
                                          schema))
        tables.insert(row[0].c_str());

    std::vector<std::string> references = kPlatformReferenceTables;
    for (const auto& t : tables)
        if (std::find(references.begin(), references.end(), t) == references.end() &&
            std::find(kPlatformTenantTables.begin(), kPlatformTenantTables.end(), t) == kPlatformTenantTables.end())
            references.push_back(t);
    for (const auto& name : references) {
        if (!tables.count(name)) continue;
        plan.steps.push_back({TableName{schema, name}, reference(), std::nullopt, "a platform table shared by all tenants", {}, false});
    }
    std::optional<TableName> anchor;
    for (const auto& name : kPlatformTenantTables) {
        if (!tables.count(name)) continue;
        Step step{TableName{schema, name}, distributed_by("tenant_id"), anchor, "a platform table of tenant rows", {}, false};
        if (name == "audit_log") {
            // Citus refuses a distributed table with triggers, and a NOTIFY fired on a worker's
            // shard would not reach a LISTEN on the coordinator anyway: on Citus `audit tail -f`
            // finds new events by polling (core/audit/tail.cpp).
            step.before.push_back(fmt::format("DROP TRIGGER IF EXISTS audit_log_notify ON {}",
                                              db::quote_qualified(schema, "audit_log")));
            // Moving or isolating a tenant copies its shards by logical replication, which needs
            // a replica identity on every partition (core/audit/partitions.cpp sets it on new ones).
            step.before.push_back(fmt::format(
                "DO $$ DECLARE p regclass; BEGIN "
                "FOR p IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = {}::regclass LOOP "
                "EXECUTE format('ALTER TABLE %s REPLICA IDENTITY FULL', p); END LOOP; END $$",
                sql_literal(db::quote_qualified(schema, "audit_log"))));
        }
        plan.steps.push_back(std::move(step));
        if (!anchor) anchor = TableName{schema, name};
    }
    settle(plan, present);
    return plan;
}

Plan app_plan(pqxx::transaction_base& tx, const model::TenantData& data, const std::string& platform_schema,
              const std::map<TableName, Placement>& present) {
    Plan plan;
    const TableName platform_anchor{platform_schema, kPlatformTenantTables.front()};
    const bool platform_distributed =
        placement_of(present, platform_anchor).kind == Placement::Kind::distributed;

    std::set<TableName> references;
    if (const auto* t = data.tenants_table()) references.insert(t->name);

    // Parents before children: the reverse of the delete order.
    auto order = data.delete_order().tables;
    std::reverse(order.begin(), order.end());
    std::stable_partition(order.begin(), order.end(), [&](const TableName& t) { return references.count(t) > 0; });

    std::map<std::string, TableName> anchor_by_type;  // tenancy type -> first table of its group
    for (const auto& name : order) {
        const auto& r = data.get(name);
        if (references.count(name)) {
            plan.steps.push_back({name, reference(), std::nullopt, "the app's tenants table", {}, false});
            continue;
        }
        if (!r.tenancy_column) {
            plan.problems.push_back(fmt::format(
                "{} has no {} column: its rows reach a tenant only through a foreign key, and Citus can only "
                "distribute a table by a column of its own (add the column, filled from the parent)",
                r.display(), data.tenancy_column()));
            continue;
        }
        const std::string& column = *r.tenancy_column;
        for (const auto& index : unique_keys_without(tx, name, column))
            plan.problems.push_back(fmt::format("{}: unique index {} does not include {}; Citus needs the "
                                                "distribution column in every unique key",
                                                r.display(), index, column));
        std::optional<TableName> colocate;
        const std::string type = r.tenancy().type_name;
        if (type == "uuid" && platform_distributed)
            colocate = platform_anchor;  // the tenant's keys and audit trail travel with its rows
        else if (auto it = anchor_by_type.find(type); it != anchor_by_type.end())
            colocate = it->second;
        else
            anchor_by_type.emplace(type, name);
        plan.steps.push_back({name, distributed_by(column), colocate, "a tenant table", {}, false});
    }

    settle(plan, present);
    // Foreign keys between two distributed tables must match the tenancy columns to each other;
    // a reference table may not point at a distributed one.
    for (const auto& fk : data.foreign_keys()) {
        const auto* child = data.find(fk.child);
        const auto* parent = data.find(fk.parent);
        if (!child || !parent) continue;
        const bool child_ref = references.count(fk.child) > 0;
        const bool parent_ref = references.count(fk.parent) > 0;
        if (parent_ref) continue;
        if (child_ref) {
            plan.problems.push_back(fmt::format("foreign key {} from the reference table {} to {}: a reference "
                                                "table cannot point at a distributed one",
                                                fk.constraint, child->display(), parent->display()));
            continue;
        }
        if (!child->tenancy_column || !parent->tenancy_column) continue;  // reported above
        bool matched = false;
        for (std::size_t i = 0; i < fk.child_columns.size() && i < fk.parent_columns.size(); ++i)
            matched = matched || (fk.child_columns[i] == *child->tenancy_column &&
                                  fk.parent_columns[i] == *parent->tenancy_column);
        if (!matched)
            plan.problems.push_back(fmt::format("foreign key {} ({} -> {}) does not pair {} with {}: Citus needs "
                                                "the distribution columns in a foreign key between distributed "
                                                "tables",
                                                fk.constraint, child->display(), parent->display(),
                                                *child->tenancy_column, *parent->tenancy_column));
    }
    // Every foreign key from or to a table still to be placed, once (see DetachedKey).
    std::set<std::pair<TableName, std::string>> seen;
    for (const auto& step : plan.steps) {
        if (step.done) continue;
        for (const auto& row : tx.exec_params(
                 "SELECT n.nspname, c.relname, k.conname, pg_get_constraintdef(k.oid), k.confdeltype, k.confupdtype, "
                 "       array_position(k.conkey, (SELECT a.attnum FROM pg_attribute a WHERE a.attrelid = k.conrelid "
                 "                                 AND a.attname = $2)) IS NOT NULL "
                 "FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
                 "JOIN pg_namespace n ON n.oid = c.relnamespace "
                 // Partitions carry copies of their parent's keys (conparentid): the parent's is enough.
                 "WHERE k.contype = 'f' AND k.conparentid = 0 "
                 "AND (k.conrelid = $1::regclass OR k.confrelid = $1::regclass) "
                 "ORDER BY 1, 2, 3",
                 step.table.quoted(), data.tenancy_column())) {
            TableName child{row[0].c_str(), row[1].c_str()};
            const std::string name = row[2].c_str();
            if (!seen.emplace(child, name).second) continue;
            const auto* child_rel = data.find(child);
            if (!child_rel)
                plan.problems.push_back(fmt::format("{} (not a tenant table) has foreign key {} to {}: a local table "
                                                    "cannot reference a distributed one",
                                                    child.display(), name, step.table.display()));
            // Citus cannot null or default the distribution column of a key's rows on the
            // other side, and refuses such keys outright, even with a column list.
            const std::string on_delete = row[4].c_str(), on_update = row[5].c_str();
            const bool with_tenancy = row[6].as<bool>();
            if (child_rel && !references.count(child) && with_tenancy &&
                (on_delete == "n" || on_delete == "d" || on_update == "n" || on_update == "d" || on_update == "c"))
                plan.problems.push_back(fmt::format(
                    "{}: foreign key {} has {}: Citus refuses SET NULL and SET DEFAULT on delete (and any action but "
                    "NO ACTION or RESTRICT on update) in a key that includes the distribution column {} (change it "
                    "to CASCADE or RESTRICT, or null the column in a trigger)",
                    child.display(), name,
                    on_delete == "n" || on_delete == "d" ? "ON DELETE SET " + std::string(on_delete == "n" ? "NULL" : "DEFAULT")
                                                        : "an ON UPDATE action",
                    data.tenancy_column()));
            plan.detached_keys.push_back({child, name, row[3].c_str()});
        }
    }
    add_schema_steps(tx, platform_schema, plan);
    return plan;
}

void apply(pqxx::connection& conn, const Plan& plan, const std::function<void(const Step&)>& on_step) {
    if (!plan.problems.empty())
        throw Refused(fmt::format("{} table(s) cannot be placed on the cluster: {}", plan.problems.size(),
                                  util::join(plan.problems, "; ")));
    auto place = [](pqxx::transaction_base& tx, const Step& step) {
        try {
            for (const auto& sql : step.before) tx.exec0(sql);
            if (step.target.kind == Placement::Kind::single_shard) {
                tx.exec_params("SELECT citus_schema_distribute($1::regnamespace)", db::quote_ident(step.table.schema));
            } else if (step.target.kind == Placement::Kind::reference) {
                tx.exec_params("SELECT create_reference_table($1::regclass)", step.table.quoted());
            } else {
                const std::string colocate = step.colocate_with ? step.colocate_with->quoted() : "none";
                tx.exec_params("SELECT create_distributed_table($1::regclass, $2, colocate_with => $3)",
                               step.table.quoted(), step.target.column, colocate);
            }
        } catch (...) {
            db::rethrow_translated(fmt::format("placing {} on the cluster", step.table.display()));
        }
    };
    if (plan.detached_keys.empty()) {
        for (const auto& step : plan.steps) {
            if (step.done) continue;
            pqxx::work tx(conn);
            tx.exec0("SET LOCAL lock_timeout = '10s'");
            place(tx, step);
            tx.commit();
            on_step(step);
        }
        return;
    }
    pqxx::work tx(conn);
    tx.exec0("SET LOCAL lock_timeout = '10s'");
    for (const auto& key : plan.detached_keys)
        tx.exec0(fmt::format("ALTER TABLE {} DROP CONSTRAINT {}", key.table.quoted(), db::quote_ident(key.constraint)));
    for (const auto& step : plan.steps)
        if (!step.done) place(tx, step);
    for (const auto& key : plan.detached_keys) {
        try {
            tx.exec0(fmt::format("ALTER TABLE {} ADD CONSTRAINT {} {}", key.table.quoted(),
                                 db::quote_ident(key.constraint), key.definition));
        } catch (...) {
            db::rethrow_translated(fmt::format("adding foreign key {} of {} back", key.constraint, key.table.display()));
        }
    }
    tx.commit();
    for (const auto& step : plan.steps)
        if (!step.done) on_step(step);
}

std::vector<Step> distribute_platform(Context& ctx) {
    auto& conn = ctx.db();
    Plan plan;
    {
        pqxx::read_transaction tx(conn);
        plan = platform_plan(tx, ctx.schema(), placements(tx));
    }
    std::vector<Step> placed;
    if (ctx.dry_run()) {
        for (const auto& s : plan.steps)
            if (!s.done) placed.push_back(s);
        return placed;
    }
    apply(conn, plan, [&](const Step& s) {
        ctx.log().debug(fmt::format("citus: {} is now {}", s.table.display(), s.target.describe()));
        placed.push_back(s);
    });
    return placed;
}

AppDistribution distribute_app(Context& ctx) {
    auto lock = ctx.lock("citus");
    auto& conn = ctx.db();
    AppDistribution result;
    {
        pqxx::read_transaction tx(conn);
        if (!installed(tx))
            throw Refused("this database is not a Citus coordinator (no citus extension)",
                          "CREATE EXTENSION citus, add the workers with citus_add_node(), then `tenantctl init`");
        platform::check_current(ctx, platform::installed_version(tx, ctx.schema()).version);
        const auto present = placements(tx);
        if (platform_plan(tx, ctx.schema(), present).pending() > 0)
            throw Refused("the platform tables are not placed on the cluster yet", "run `tenantctl init` first");
        const auto data = model::TenantData::load(ctx, tx);
        result.plan = app_plan(tx, data, ctx.schema(), present);
    }
    if (!result.plan.problems.empty())
        throw Refused(fmt::format("{} problem(s) stop the distribution, nothing was changed: {}",
                                  result.plan.problems.size(), util::join(result.plan.problems, "; ")),
                      "`tenantctl doctor --check citus_tables` lists them with their fixes");
    if (ctx.dry_run()) {
        for (const auto& s : result.plan.steps)
            if (!s.done) result.placed.push_back(s);
        return result;
    }
    try {
        apply(conn, result.plan, [&](const Step& s) { result.placed.push_back(s); });
    } catch (...) {
        record(ctx, result.placed, false);
        throw;
    }
    record(ctx, result.placed, true);
    return result;
}

}  // namespace tenantctl::citus
