#include "core/portability/platform_copy.hpp"

#include <fmt/format.h>

#include <map>
#include <vector>

#include "core/context.hpp"
#include "core/crypto/bytes.hpp"
#include "core/crypto/envelope.hpp"
#include "core/db/connection.hpp"
#include "core/errors.hpp"
#include "core/portability/compare.hpp"
#include "core/portability/pipe.hpp"
#include "core/records.hpp"
#include "core/tenants/lookup.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::portability {

namespace {

// The tenant's rows of a platform table, each as its row_to_json text.
std::vector<json> platform_rows(Context& ctx, pqxx::transaction_base& src, std::string_view table,
                                std::string_view tenant_column, const std::string& tenant_id) {
    std::vector<json> out;
    for (const auto& r : src.exec_params(fmt::format("SELECT row_to_json(t)::text FROM {} t WHERE t.{} = $1::uuid",
                                                     ctx.platform_table(table), db::quote_ident(tenant_column)),
                                         tenant_id))
        out.push_back(json::parse(r[0].c_str()));
    return out;
}

void insert_platform_row(Context& ctx, pqxx::transaction_base& dst, std::string_view table, const json& row) {
    const std::string name = ctx.platform_table(table);
    dst.exec_params(fmt::format("INSERT INTO {0} SELECT * FROM json_populate_record(NULL::{0}, $1::json)", name), row.dump());
}

std::string wrong_master_key(const std::string& what, const std::string& kek_id, const crypto::MasterKey& loaded) {
    return fmt::format("{} was wrapped by master key {}, not by the one loaded here ({})", what, kek_id, loaded.id);
}

}  // namespace

std::vector<std::string> table_columns(pqxx::transaction_base& tx, const std::string& quoted_table) {
    std::vector<std::string> out;
    for (const auto& r : tx.exec_params("SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 "
                                        "AND NOT attisdropped ORDER BY attnum",
                                        quoted_table))
        out.push_back(r[0].c_str());
    return out;
}

Arrival require_absent_at_destination(Context& ctx, pqxx::transaction_base& dst, const CopyIdentity& as,
                                      const std::string& to) {
    const std::string where = "at --to " + to;
    const auto same_id = dst.exec_params(
        fmt::format("SELECT slug, status, moved_to FROM {} WHERE id = $1::uuid", ctx.platform_table("tenants")), as.id);
    if (!same_id.empty() && same_id[0][0].c_str() == as.slug) {
        const std::string status = same_id[0][1].c_str();
        // Only a tenant that moved away comes back: one purged after its deletion (personal data
        // erased on request) is not brought back to life by a copy.
        if (status == "purged" && same_id[0][2].is_null())
            throw Refused(fmt::format("tenant '{}' {} was purged there after it was deleted, not after a move away: "
                                      "a copy does not bring it back",
                                      as.slug, where),
                          "copy it under another slug and id with --as, if that is what is wanted");
        if (status == "purged") {
            if (as.tenancy_key) {
                const auto same_key = dst.exec_params(
                    fmt::format("SELECT slug FROM {} WHERE tenancy_key = $1 AND id <> $2::uuid", ctx.platform_table("tenants")),
                    *as.tenancy_key, as.id);
                if (!same_key.empty())
                    throw Refused(fmt::format("the tenancy key of '{}' ({}) is taken {} by tenant '{}'", as.slug,
                                              *as.tenancy_key, where, same_key[0][0].c_str()));
            }
            return Arrival::over_tombstone;
        }
        if (status == "moved")
            throw Refused(fmt::format("tenant '{}' {} is the copy an earlier move left there (moved to {}), and its rows "
                                      "are still there",
                                      as.slug, where, same_id[0][2].is_null() ? "?" : same_id[0][2].c_str()),
                          fmt::format("purge that copy first: `tenantctl --context {} tenant purge {} --force --yes`; "
                                      "then run this again",
                                      to, as.slug));
    }
    if (tenants::find(ctx, dst, as.slug))
        throw Refused(fmt::format("tenant '{}' already exists {}", as.slug, where),
                      fmt::format("compare the two with `tenantctl tenant diff {} --against ...`", as.slug));
    if (!same_id.empty())
        throw Refused(fmt::format("the tenant id of '{}' ({}) is taken {} by tenant '{}'", as.slug, as.id, where,
                                  same_id[0][0].c_str()),
                      "copy it under another slug and id with --as");
    if (as.tenancy_key) {
        const auto same_key = dst.exec_params(
            fmt::format("SELECT slug FROM {} WHERE tenancy_key = $1", ctx.platform_table("tenants")), *as.tenancy_key);
        if (!same_key.empty())
            throw Refused(fmt::format("the tenancy key of '{}' ({}) is taken {} by tenant '{}'", as.slug,
                                      *as.tenancy_key, where, same_key[0][0].c_str()),
                          "copy it under another key with --as NEWSLUG --as-key KEY");
    }
    return Arrival::fresh;
}

void copy_tenant_row(Context& ctx, pqxx::transaction_base& src, pqxx::transaction_base& dst,
                     const std::string& source_id, const CopyIdentity& as, bool anonymize, Arrival arrival) {
    json row = platform_rows(ctx, src, "tenants", "id", source_id).at(0);
    row["id"] = as.id;
    row["slug"] = as.slug;
    row["tenancy_key"] = as.tenancy_key ? json(*as.tenancy_key) : json(nullptr);
    if (anonymize) row["admin_email"] = nullptr;
    if (arrival == Arrival::over_tombstone) {
        // The purged row gives way to the source's (clear_tombstone removed the rows whose keys
        // point at it; the audit trail and jobs name the id only). Deleted and inserted rather
        // than updated from the JSON: the statements Citus plans on a reference table.
        const auto gone = dst.exec_params(fmt::format("DELETE FROM {} WHERE id = $1::uuid AND status = 'purged'",
                                                      ctx.platform_table("tenants")),
                                          as.id);
        if (gone.affected_rows() != 1)
            throw Error(Exit::runtime, fmt::format("internal: the purged row of tenant '{}' changed under the copy", as.slug));
    }
    insert_platform_row(ctx, dst, "tenants", row);
}

void clear_tombstone(Context& ctx, pqxx::transaction_base& dst, const std::string& tenant_id) {
    for (const char* table : {"tenant_keys", "api_keys", "gdpr_requests"})
        dst.exec_params(fmt::format("DELETE FROM {} WHERE tenant_id = $1::uuid", ctx.platform_table(table)), tenant_id);
}

void forget_dropped_schema(Context& ctx, pqxx::transaction_base& dst, const std::string& schema) {
    if (dst.exec_params1("SELECT count(*) FROM pg_namespace WHERE nspname = $1", schema)[0].as<int>() > 0) return;
    dst.exec_params(fmt::format("DELETE FROM {} WHERE target = $1", ctx.platform_table("schema_migrations")), schema);
}

int copy_data_keys(Context& ctx, pqxx::transaction_base& src, pqxx::transaction_base& dst,
                   const std::string& source_id, const std::string& dest_id, const crypto::MasterKey& from,
                   const crypto::MasterKey& to) {
    std::map<int, std::string> wrapped;  // version -> the bytes (row_to_json has them as hex text)
    for (const auto& r : src.exec_params(fmt::format("SELECT version, wrapped_key FROM {} WHERE tenant_id = $1::uuid "
                                                     "AND wrapped_key IS NOT NULL",
                                                     ctx.platform_table("tenant_keys")),
                                         source_id))
        wrapped[r[0].as<int>()] = pqxx::binarystring(r[1]).str();
    int n = 0;
    for (auto row : platform_rows(ctx, src, "tenant_keys", "tenant_id", source_id)) {
        row["tenant_id"] = dest_id;
        if (!row["wrapped_key"].is_null()) {  // destroyed keys travel as the tombstones they are
            const int version = row["version"].get<int>();
            const std::string kek_id = row["kek_id"].get<std::string>();
            if (kek_id != from.id)
                throw IntegrityError(wrong_master_key(fmt::format("data key version {} of the tenant", version), kek_id, from),
                                     "finish `tenantctl keys rewrap` here first");
            // The wrapping's associated data names the tenant: a copy under another id is
            // wrapped for that id, or it would not unwrap there.
            const auto plain = crypto::unwrap(from.key, wrapped.at(version), crypto::dek_aad(source_id, version));
            row["wrapped_key"] = "\\x" + crypto::hex_encode(crypto::wrap(to.key, plain.view(), crypto::dek_aad(dest_id, version)));
            row["kek_id"] = to.id;
        }
        insert_platform_row(ctx, dst, "tenant_keys", row);
        ++n;
    }
    return n;
}

void insert_new_data_key(Context& ctx, pqxx::transaction_base& dst, const std::string& dest_id,
                         const crypto::MasterKey& to, const crypto::FernetKey& key) {
    const auto plain = key.to_base64url_secure();
    dst.exec_params(fmt::format("INSERT INTO {} (tenant_id, version, state, wrapped_key, kek_id, activated_at) "
                                "VALUES ($1::uuid, 1, 'active', $2, $3, now())",
                                ctx.platform_table("tenant_keys")),
                    dest_id, pqxx::binarystring(crypto::wrap(to.key, plain.view(), crypto::dek_aad(dest_id, 1))), to.id);
}

int copy_rows_of(Context& ctx, pqxx::transaction_base& src, pqxx::transaction_base& dst, std::string_view table,
                 const std::string& tenant_id) {
    const auto rows = platform_rows(ctx, src, table, "tenant_id", tenant_id);
    for (const auto& row : rows) insert_platform_row(ctx, dst, table, row);
    return static_cast<int>(rows.size());
}

crypto::SecureBytes copy_audit_key(Context& ctx, pqxx::transaction_base& src, pqxx::transaction_base& dst,
                                   const std::string& tenant_id, const crypto::MasterKey& from,
                                   const crypto::MasterKey& to) {
    const auto keys = src.exec_params(fmt::format("SELECT wrapped_key, kek_id, created_at FROM {} WHERE tenant_id = $1::uuid",
                                                  ctx.platform_table("audit_keys")),
                                      tenant_id);
    if (keys.empty()) return {};
    if (keys[0][1].c_str() != from.id)
        throw IntegrityError(wrong_master_key("the tenant's audit key", keys[0][1].c_str(), from),
                             "finish `tenantctl keys rewrap` here first");
    const std::string aad = crypto::audit_key_aad(tenant_id);
    auto plain = crypto::unwrap(from.key, pqxx::binarystring(keys[0][0]).str(), aad);
    dst.exec_params(fmt::format("INSERT INTO {} (tenant_id, wrapped_key, kek_id, created_at) "
                                "VALUES ($1::uuid, $2, $3, $4::timestamptz)",
                                ctx.platform_table("audit_keys")),
                    tenant_id, pqxx::binarystring(crypto::wrap(to.key, plain.view(), aad)), to.id, keys[0][2].c_str());
    return plain;
}

long long copy_audit_trail(Context& ctx, pqxx::transaction_base& src, pqxx::transaction_base& dst,
                           const std::string& tenant_id, const crypto::MasterKey& from, const crypto::MasterKey& to,
                           const std::string& where) {
    copy_audit_key(ctx, src, dst, tenant_id, from, to);
    long long events = 0;
    const std::string literal = src.quote(tenant_id);
    for (const char* table : {"audit_log", "audit_chain", "audit_seals"}) {
        const std::string name = ctx.platform_table(table);
        const auto columns = table_columns(src, name);
        std::vector<std::string> quoted;
        for (const auto& c : columns) quoted.push_back(db::quote_ident(c));
        const std::string list = util::join(quoted, ", ");
        RowChecksum sent;
        pipe_rows(src, fmt::format("(SELECT {} FROM {} WHERE tenant_id = {}::uuid)", list, name, literal), dst,
                  fmt::format("{} ({})", name, list), &sent);
        const auto expected = sent.result();
        const auto got = fingerprint_where(dst, name, columns, "t.tenant_id = $1::uuid", tenant_id);
        if (got != expected)
            throw IntegrityError(fmt::format("{} {} does not match the source after the copy ({} rows; source {}): "
                                             "nothing was committed",
                                             name, where, got.rows, expected.rows));
        if (std::string_view(table) == "audit_log") events = got.rows;
    }
    return events;
}

}  // namespace tenantctl::portability
