#include "core/platform/migrations.hpp"

#include <fmt/format.h>

#include "core/audit/append.hpp"
#include "core/audit/partitions.hpp"
#include "core/citus/distribute.hpp"
#include "core/context.hpp"
#include "core/crypto/hash.hpp"
#include "core/db/connection.hpp"
#include "core/db/errors.hpp"
#include "core/errors.hpp"
#include "core/version.hpp"

namespace tenantctl::platform {

int latest_version() {
    auto all = embedded_migrations();
    return all.empty() ? 0 : all.back().version;
}

std::string render(const EmbeddedMigration& m, std::string_view schema) {
    std::string out(m.sql);
    const std::string token = "@schema@";
    const std::string quoted = db::quote_ident(schema);
    for (auto pos = out.find(token); pos != std::string::npos; pos = out.find(token, pos + quoted.size()))
        out.replace(pos, token.size(), quoted);
    return out;
}

InstalledVersion installed_version(pqxx::transaction_base& tx, std::string_view schema) {
    InstalledVersion v;
    auto r = tx.exec_params1(
        "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1), "
        "       to_regclass(format('%I.platform_version', $1::text)) IS NOT NULL",
        std::string(schema));
    v.schema_exists = r[0].as<bool>();
    if (!r[1].as<bool>()) return v;
    v.version = tx.exec1(fmt::format("SELECT coalesce(max(version), 0) FROM {}.platform_version",
                                     db::quote_ident(schema)))[0]
                    .as<int>();
    return v;
}

namespace {

void create_version_table(pqxx::transaction_base& tx, std::string_view schema) {
    const std::string s = db::quote_ident(schema);
    tx.exec0(fmt::format("CREATE SCHEMA IF NOT EXISTS {}", s));
    tx.exec0(fmt::format(
        "CREATE TABLE IF NOT EXISTS {}.platform_version ("
        "  version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
        "  applied_at timestamptz NOT NULL DEFAULT now(), tool_version text NOT NULL, actor text NOT NULL)",
        s));
}

}  // namespace

InitResult init(Context& ctx, const InitOptions& options) {
    const std::string& schema = ctx.schema();
    InitResult result;
    auto lock = ctx.lock("init");
    auto& conn = ctx.db();
    try {
        {
            pqxx::read_transaction tx(conn);
            result.from_version = installed_version(tx, schema).version;
            result.citus = citus::installed(tx);
        }
        // Checked before anything is installed: --citus must not leave a single-node schema.
        if (options.require_citus && !result.citus)
            throw Refused("--citus: this database has no citus extension",
                          "CREATE EXTENSION citus on the coordinator and every worker, add the workers with "
                          "citus_add_node(), then run init again");
        result.to_version = result.from_version;
        if (result.from_version > latest_version())
            throw Refused(fmt::format("the platform schema is at version {}, newer than this tenantctl knows ({})",
                                      result.from_version, latest_version()),
                          "upgrade tenantctl");
        for (const auto& m : embedded_migrations()) {
            if (m.version <= result.from_version) continue;
            const std::string label = fmt::format("{:04}_{}", m.version, m.name);
            result.applied.push_back(label);
            result.to_version = m.version;
            if (ctx.dry_run()) continue;
            const std::string sql = render(m, schema);
            pqxx::work tx(conn);
            tx.exec0("SET LOCAL lock_timeout = '10s'");
            create_version_table(tx, schema);
            tx.exec0(sql);
            tx.exec_params0(fmt::format("INSERT INTO {}.platform_version (version, name, checksum, tool_version, actor) "
                                        "VALUES ($1, $2, $3, $4, $5)",
                                        db::quote_ident(schema)),
                            m.version, std::string(m.name), crypto::sha256_hex(m.sql), std::string(version()),
                            ctx.actor());
            tx.commit();
            ctx.log().debug(fmt::format("applied platform migration {}", label));
        }
        if (ctx.dry_run()) {
            if (result.citus && result.from_version > 0)
                for (const auto& s : citus::distribute_platform(ctx))
                    result.placed.push_back(s.table.display() + ": " + s.target.describe());
            return result;
        }
        if (result.citus)
            for (const auto& s : citus::distribute_platform(ctx))
                result.placed.push_back(s.table.display() + ": " + s.target.describe());
        pqxx::work tx(conn);
        audit::ensure_partitions_in(tx, schema, ctx.now(), ctx.config().audit.premake, ctx.config().audit.retention);
        audit::Event event;
        event.action = "platform.init";
        event.resource_type = "platform_schema";
        event.resource_id = schema;
        event.metadata = {{"from_version", result.from_version},
                          {"to_version", result.to_version},
                          {"applied", result.applied}};
        if (result.citus) event.metadata["citus_placed"] = result.placed;
        audit::append(ctx, tx, event);
        tx.commit();
    } catch (...) {
        db::rethrow_translated("installing the platform schema");
    }
    return result;
}

void require_current(Context& ctx) {
    InstalledVersion v;
    try {
        // Every command starts here, so the usual case is one statement outside a transaction
        // (one round trip); only a missing version table takes the long way.
        pqxx::nontransaction tx(ctx.db());
        try {
            v.version = tx.exec1(fmt::format("SELECT coalesce(max(version), 0) FROM {}.platform_version",
                                             db::quote_ident(ctx.schema())))[0]
                            .as<int>();
        } catch (const pqxx::sql_error&) {
            v = installed_version(tx, ctx.schema());
        }
    } catch (...) {
        db::rethrow_translated("reading the platform schema version");
    }
    check_current(ctx, v.version);
}

void check_current(Context& ctx, int installed) {
    if (installed == 0)
        throw Refused(fmt::format("the platform schema '{}' is not installed in this database", ctx.schema()),
                      "run `tenantctl init`");
    if (installed < latest_version())
        throw Refused(fmt::format("the platform schema is at version {}, this tenantctl needs {}", installed,
                                  latest_version()),
                      "run `tenantctl init` to upgrade it");
}

}  // namespace tenantctl::platform
