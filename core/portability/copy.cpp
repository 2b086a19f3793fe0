#include "core/portability/copy.hpp"

#include <pqxx/tablewriter>

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "core/audit/append.hpp"
#include "core/context.hpp"
#include "core/crypto/bytes.hpp"
#include "core/crypto/envelope.hpp"
#include "core/crypto/master_key.hpp"
#include "core/db/errors.hpp"
#include "core/db/lock.hpp"
#include "core/errors.hpp"
#include "core/gdpr/data_map.hpp"
#include "core/keys/master_key_check.hpp"
#include "core/model/predicate_literal.hpp"
#include "core/model/row_access.hpp"
#include "core/platform/migrations.hpp"
#include "core/portability/peer.hpp"
#include "core/tenants/lookup.hpp"
#include "core/tenants/model.hpp"
#include "core/util/failpoint.hpp"
#include "core/util/progress.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::portability {

namespace {

using Snapshot = pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>;

// --- moving COPY lines ------------------------------------------------------------------

// The rows `query` selects on one connection, COPY-ed into `target` ("table (columns)") on
// another, line for line: no parsing, memory flat. Both sides use use_canonical_text(), so
// every value's text reads back the same. (Not libpqxx 6.4's `stream_to << stream_from`: it
// writes one line too many after the last, so an empty table fails and any other would get
// its last row twice. tablewriter is the public way to write a line as it is.)
void pipe_rows(pqxx::transaction_base& src, const std::string& query, pqxx::transaction_base& dst,
               const std::string& target) {
    pqxx::stream_from in(src, query);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    pqxx::tablewriter out(dst, target);
#pragma GCC diagnostic pop
    std::string line;
    while (in.get_raw_line(line)) out.write_raw_line(line);
    in.complete();
    out.complete();
}

// --- up-front checks ------------------------------------------------------------------------

// Why the destination cannot take the tenant's rows as they are, one line per problem.
std::vector<std::string> schema_problems(const std::vector<RelationPair>& pairs) {
    std::vector<std::string> out;
    for (const auto& pair : pairs) {
        if (!pair.source) continue;  // a table only the destination has receives nothing
        if (!pair.target) {
            out.push_back(fmt::format("{}: missing at the destination", pair.key));
            continue;
        }
        for (const auto& c : pair.source->columns) {
            const model::Column* theirs = pair.target->column(c.name);
            if (!theirs)
                out.push_back(fmt::format("{}: column {} missing at the destination", pair.key, c.name));
            else if (theirs->type != c.type)
                out.push_back(fmt::format("{}: column {} is {} here, {} at the destination", pair.key, c.name, c.type,
                                          theirs->type));
        }
        // A column only the destination has is filled by its default; one that needs a value
        // and has none would fail the first row.
        for (const auto& c : pair.target->columns)
            if (!pair.source->column(c.name) && c.not_null && !c.has_default && !c.generated)
                out.push_back(fmt::format("{}: column {} exists only at the destination, is NOT NULL and has no default",
                                          pair.key, c.name));
    }
    return out;
}

void require_absent_at_destination(Context& ctx, pqxx::transaction_base& dst, const tenants::TenantRef& t,
                                   const std::string& where) {
    if (tenants::find(ctx, dst, t.slug))
        throw Refused(fmt::format("tenant '{}' already exists {}", t.slug, where),
                      fmt::format("compare the two with `tenantctl tenant diff {} --against ...`", t.slug));
    const auto same_id = dst.exec_params(
        fmt::format("SELECT slug FROM {} WHERE id = $1::uuid", ctx.platform_table("tenants")), t.id);
    if (!same_id.empty())
        throw Refused(fmt::format("the tenant id of '{}' ({}) is taken {} by tenant '{}'", t.slug, t.id, where,
                                  same_id[0][0].c_str()));
}

// --- platform rows --------------------------------------------------------------------------

// The tenant's rows of a platform table, each as its row_to_json text: json_populate_record
// puts them back by column name with every value typed by the destination's column.
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

// Data keys leave the source wrapped under its master key and arrive wrapped under the
// destination's; the plaintext key exists only in this process, in a SecureBytes.
int copy_data_keys(Context& ctx, pqxx::transaction_base& src, pqxx::transaction_base& dst, const std::string& tenant_id,
                   const crypto::MasterKey& from, const crypto::MasterKey& to) {
    std::map<int, std::string> wrapped;  // version -> the bytes (row_to_json has them as hex text)
    for (const auto& r : src.exec_params(fmt::format("SELECT version, wrapped_key FROM {} WHERE tenant_id = $1::uuid "
                                                     "AND wrapped_key IS NOT NULL",
                                                     ctx.platform_table("tenant_keys")),
                                         tenant_id))
        wrapped[r[0].as<int>()] = pqxx::binarystring(r[1]).str();
    int n = 0;
    for (auto row : platform_rows(ctx, src, "tenant_keys", "tenant_id", tenant_id)) {
        if (!row["wrapped_key"].is_null()) {  // destroyed keys travel as the tombstones they are
            const int version = row["version"].get<int>();
            const std::string kek_id = row["kek_id"].get<std::string>();
            if (kek_id != from.id)
                throw IntegrityError(fmt::format("data key version {} of the tenant was wrapped by master key {}, "
                                                 "not by the one loaded here ({})",
                                                 version, kek_id, from.id),
                                     "finish `tenantctl keys rewrap` here first");
            const std::string aad = crypto::dek_aad(tenant_id, version);
            const auto plain = crypto::unwrap(from.key, wrapped.at(version), aad);
            row["wrapped_key"] = "\\x" + crypto::hex_encode(crypto::wrap(to.key, plain.view(), aad));
            row["kek_id"] = to.id;
        }
        insert_platform_row(ctx, dst, "tenant_keys", row);
        ++n;
    }
    return n;
}

int copy_rows_of(Context& ctx, pqxx::transaction_base& src, pqxx::transaction_base& dst, std::string_view table,
                 const std::string& tenant_id) {
    const auto rows = platform_rows(ctx, src, table, "tenant_id", tenant_id);
    for (const auto& row : rows) insert_platform_row(ctx, dst, table, row);
    return static_cast<int>(rows.size());
}

// The tenant's audit trail: its events, its hash chain and checkpoints as they are (ids and
// all: the chain commits to them, and the log's keys lead with the tenant), and its commitment
// key wrapped again like the data keys. `audit verify` at the destination then checks the same
// chain. Streamed COPY to COPY, and fingerprinted at both ends like the app's tables.
constexpr const char* kAuditTables[] = {"audit_log", "audit_chain", "audit_seals"};

std::vector<std::string> columns_of(pqxx::transaction_base& tx, const std::string& quoted_table) {
    std::vector<std::string> out;
    for (const auto& r : tx.exec_params("SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 "
                                        "AND NOT attisdropped ORDER BY attnum",
                                        quoted_table))
        out.push_back(r[0].c_str());
    return out;
}

long long copy_audit_trail(Context& ctx, pqxx::transaction_base& src, pqxx::transaction_base& dst,
                           const std::string& tenant_id, const crypto::MasterKey& from, const crypto::MasterKey& to,
                           const std::string& where) {
    const auto keys = src.exec_params(fmt::format("SELECT wrapped_key, kek_id, created_at FROM {} WHERE tenant_id = $1::uuid",
                                                  ctx.platform_table("audit_keys")),
                                      tenant_id);
    if (!keys.empty()) {
        if (keys[0][1].c_str() != from.id)
            throw IntegrityError(fmt::format("the tenant's audit key was wrapped by master key {}, not by the one loaded "
                                             "here ({})",
                                             keys[0][1].c_str(), from.id),
                                 "finish `tenantctl keys rewrap` here first");
        const std::string aad = crypto::audit_key_aad(tenant_id);
        const auto plain = crypto::unwrap(from.key, pqxx::binarystring(keys[0][0]).str(), aad);
        dst.exec_params(fmt::format("INSERT INTO {} (tenant_id, wrapped_key, kek_id, created_at) "
                                    "VALUES ($1::uuid, $2, $3, $4::timestamptz)",
                                    ctx.platform_table("audit_keys")),
                        tenant_id, pqxx::binarystring(crypto::wrap(to.key, plain.view(), aad)), to.id,
                        keys[0][2].c_str());
    }
    long long events = 0;
    const std::string literal = src.quote(tenant_id);
    for (const char* table : kAuditTables) {
        const std::string name = ctx.platform_table(table);
        const auto columns = columns_of(src, name);
        std::vector<std::string> quoted;
        for (const auto& c : columns) quoted.push_back(db::quote_ident(c));
        const std::string list = util::join(quoted, ", ");
        const auto expected = fingerprint_where(src, name, columns, "t.tenant_id = $1::uuid", tenant_id);
        pipe_rows(src, fmt::format("(SELECT {} FROM {} WHERE tenant_id = {}::uuid)", list, name, literal), dst,
                  fmt::format("{} ({})", name, list));
        const auto got = fingerprint_where(dst, name, columns, "t.tenant_id = $1::uuid", tenant_id);
        if (got != expected)
            throw IntegrityError(fmt::format("{} {} does not match the source after the copy ({} rows; source {}): "
                                             "nothing was committed",
                                             name, where, got.rows, expected.rows));
        if (std::string_view(table) == "audit_log") events = got.rows;
    }
    return events;
}

// --- the tenant's app rows ------------------------------------------------------------------

// A foreign key of a cycle that is neither deferrable nor a self-reference: its columns are
// copied as NULL and set once every table is in (as purge nulls them before deleting).
struct NulledKey {
    const model::Relation* child;
    std::vector<std::string> columns;
};

std::vector<NulledKey> keys_to_null(const model::TenantData& data, const catalog::DeleteOrder& order) {
    std::vector<NulledKey> out;
    for (const auto& fk : order.broken) {
        if (fk.deferrable || fk.child == fk.parent) continue;  // deferred / checked at the end of one COPY
        const model::Relation& child = data.get(fk.child);
        if (!child.identity)
            throw Refused(fmt::format("{} is in a foreign-key cycle that is not deferrable and has no primary or unique "
                                      "key to set {} by after the copy",
                                      child.display(), util::join(fk.nullify_columns, ", ")),
                          "make the foreign key DEFERRABLE, or give the table a primary key");
        out.push_back(NulledKey{&child, fk.nullify_columns});
    }
    return out;
}

bool is_nulled(const std::vector<NulledKey>& nulled, const model::Relation& r, const std::string& column) {
    for (const auto& k : nulled)
        if (k.child == &r && std::find(k.columns.begin(), k.columns.end(), column) != k.columns.end()) return true;
    return false;
}

std::vector<const model::Column*> written_columns(const model::Relation& r) {
    std::vector<const model::Column*> out;
    for (const auto& c : r.columns)
        if (!c.generated) out.push_back(&c);  // computed again by the destination
    return out;
}

void copy_relation(pqxx::transaction_base& src, pqxx::transaction_base& dst, const model::TenantData& data,
                   const model::Relation& r, const std::vector<NulledKey>& nulled, const std::string& literal) {
    std::vector<std::string> select, names;
    for (const auto* c : written_columns(r)) {
        const std::string name = db::quote_ident(c->name);
        names.push_back(name);
        select.push_back(is_nulled(nulled, r, c->name) ? fmt::format("NULL::{}", c->type) : "t." + name);
    }
    pipe_rows(src,
              fmt::format("(SELECT {} FROM {} t WHERE {})", util::join(select, ", "), r.name.quoted(),
                          model::with_literal(data.tenant_predicate(r, "t", 1), literal)),
              dst, fmt::format("{} ({})", r.name.quoted(), util::join(names, ", ")));
}

// Sets the columns copied as NULL to their values, through a temporary table keyed by the
// row identity.
void restore_nulled(pqxx::transaction_base& src, pqxx::transaction_base& dst, const model::TenantData& data,
                    const NulledKey& k, const std::string& tenancy_value, const std::string& literal, int n) {
    const model::Relation& r = *k.child;
    std::vector<std::string> columns = r.identity.columns;
    columns.insert(columns.end(), k.columns.begin(), k.columns.end());
    std::vector<std::string> defs, quoted, select;
    for (const auto& name : columns) {
        defs.push_back(fmt::format("{} {}", db::quote_ident(name), r.column(name)->type));
        quoted.push_back(db::quote_ident(name));
        select.push_back("t." + db::quote_ident(name));
    }
    const std::string temp = db::quote_ident(fmt::format("tenantctl_copy_fix_{}", n));
    dst.exec(fmt::format("CREATE TEMP TABLE {} ({}) ON COMMIT DROP", temp, util::join(defs, ", ")));
    pipe_rows(src,
              fmt::format("(SELECT {} FROM {} t WHERE {})", util::join(select, ", "), r.name.quoted(),
                          model::with_literal(data.tenant_predicate(r, "t", 1), literal)),
              dst, fmt::format("{} ({})", temp, util::join(quoted, ", ")));
    std::vector<std::string> targets, fixed;
    for (const auto& name : k.columns) {
        targets.push_back(db::quote_ident(name));
        fixed.push_back("x." + db::quote_ident(name));
    }
    // `SET (a) = ROW(x.a)`: the list form, so one column and several read the same.
    dst.exec_params(fmt::format("UPDATE {} t SET ({}) = ROW({}) FROM {} x WHERE {} = {} AND {}", r.name.quoted(),
                                util::join(targets, ", "), util::join(fixed, ", "), temp,
                                model::column_tuple(r.identity.columns, "t"), model::column_tuple(r.identity.columns, "x"),
                                data.tenant_predicate(r, "t", 1)),
                    tenancy_value);
}

// Sequences behind serial and identity columns move past the ids that arrived, so the app's
// next insert at the destination does not collide with a copied row. setval is not rolled
// back with the transaction: a dry run leaves sequences alone.
void advance_sequences(pqxx::transaction_base& dst, const model::Relation& r) {
    const auto sequences = dst.exec_params(
        "SELECT a.attname, s.seq FROM pg_attribute a, LATERAL (SELECT pg_get_serial_sequence($1, a.attname) AS seq) s "
        "WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped AND s.seq IS NOT NULL",
        r.name.quoted());
    for (const auto& s : sequences)
        dst.exec_params(fmt::format("SELECT setval($1::regclass, m) FROM (SELECT max({})::bigint AS m FROM {}) x "
                                    "WHERE m > coalesce(pg_sequence_last_value($1::regclass), 0)",
                                    db::quote_ident(s[0].c_str()), r.name.quoted()),
                        s[1].c_str());
}

// The `tenant.copy` event each side records: which way, where from or to, and how much.
audit::Event copy_event(const CopyResult& r, const char* direction, std::pair<const char*, std::string> other_side) {
    audit::Event ev;
    ev.tenant_id = r.tenant_id;
    ev.action = "tenant.copy";
    ev.resource_type = "tenant";
    ev.resource_id = r.tenant;
    ev.metadata = json{{"direction", direction}, {other_side.first, other_side.second}, {"rows", r.rows},
                       {"tables", r.tables.size()}, {"audit_events", r.audit_events}};
    return ev;
}

}  // namespace

CopyResult copy(Context& ctx, const CopyOptions& o) {
    platform::require_current(ctx);
    Peer peer = open_peer(ctx, o.to, "--to");
    const std::string where = "at --to " + o.to;
    // The destination is where the data changes: a protected one wants its name typed, as
    // every mutating command asks of a protected --context.
    if (ctx.config().contexts.at(o.to).is_protected && !ctx.dry_run())
        ctx.confirm_by_typing(fmt::format("`tenantctl {}` writes tenant '{}' into the protected context '{}'",
                                          ctx.command(), o.slug, o.to),
                              o.to);
    CopyResult result;
    result.tenant = o.slug;
    result.to = o.to;
    result.target = peer.target;
    result.dry_run = ctx.dry_run();
    // The tenant's lock on both sides: no purge, re-encryption or second copy of it meanwhile.
    auto here_lock = ctx.lock(tenants::lock_name(o.slug));
    db::AdvisoryLock there_lock(peer.info, tenants::lock_name(o.slug), ctx.lock_timeout(),
                                fmt::format("tenantctl {} ({})", ctx.command(), ctx.actor()));
    const crypto::MasterKey* to_key = &ctx.master_key();
    std::optional<crypto::MasterKey> loaded;
    if (o.to_master_key) to_key = &loaded.emplace(crypto::load_master_key(*o.to_master_key));
    try {
        Snapshot src(ctx.db());
        const auto tenant = tenants::resolve(ctx, src, o.slug);
        result.tenant_id = tenant.id;
        if (tenant.status != "active" && tenant.status != "suspended")
            throw Refused(fmt::format("tenant '{}' is {}: only an active or suspended tenant is copied", o.slug, tenant.status));
        if (tenant.isolation != "shared")
            throw Refused(fmt::format("tenant '{}' has its own schema: copying schema-isolated tenants is not supported yet",
                                      o.slug));
        const auto data = gdpr::load_model(ctx, src, tenant);
        model::require_unfiltered(src, data);
        model::enter_tenant(ctx, src, tenant.tenancy_value);
        use_canonical_text(src);

        pqxx::work dst(*peer.connection);
        require_absent_at_destination(ctx, dst, tenant, where);
        const auto theirs = model::TenantData::load(ctx, dst);
        model::require_unfiltered(dst, theirs);
        model::enter_tenant(ctx, dst, tenant.tenancy_value);
        use_canonical_text(dst);
        const auto pairs = pair_relations(data, theirs);
        if (auto problems = schema_problems(pairs); !problems.empty()) {
            Refused e(fmt::format("the schema {} does not match the tenant's data here ({} difference{})", where,
                                  problems.size(), problems.size() == 1 ? "" : "s"),
                      "migrate the destination to the same version first; `tenantctl tenant diff` shows each table");
            for (auto& p : problems) e.with_detail(std::move(p));
            throw e;
        }
        // Rows with the tenant's tenancy value already there (left by an earlier copy done by
        // hand, or another tenant with the same key): the copy would mix with them.
        for (const auto& pair : pairs) {
            if (!pair.source) continue;
            const auto there = fingerprint(dst, theirs, *pair.target, {}, tenant.tenancy_value);
            if (there.rows > 0)
                throw Refused(fmt::format("{} already holds {} row{} of tenant '{}' {}", pair.key, there.rows,
                                          there.rows == 1 ? "" : "s", o.slug, where),
                              "remove them first, or compare with `tenantctl tenant diff`");
        }
        keys::require_master_key_matches(ctx, dst, *to_key);

        // What the source holds, in the snapshot the copy reads: the figures to verify against.
        std::vector<Fingerprint> expected;
        long long total = 0;
        for (const auto& pair : pairs) {
            expected.push_back(pair.source ? fingerprint(src, data, *pair.source, pair.compared_columns, tenant.tenancy_value)
                                           : Fingerprint{});
            total += expected.back().rows;
        }

        insert_platform_row(ctx, dst, "tenants", platform_rows(ctx, src, "tenants", "id", tenant.id).at(0));
        result.data_keys = copy_data_keys(ctx, src, dst, tenant.id, ctx.master_key(), *to_key);
        result.api_keys = copy_rows_of(ctx, src, dst, "api_keys", tenant.id);
        result.gdpr_requests = copy_rows_of(ctx, src, dst, "gdpr_requests", tenant.id);
        result.audit_events = copy_audit_trail(ctx, src, dst, tenant.id, ctx.master_key(), *to_key, where);

        dst.exec("SET CONSTRAINTS ALL DEFERRED");
        const auto order = data.delete_order();
        const auto nulled = keys_to_null(data, order);
        const std::string literal = src.quote(tenant.tenancy_value);
        util::ProgressLine progress(ctx.progress_enabled() ? &ctx.log().stream() : nullptr, "copying " + o.slug, total);
        std::map<std::string, long long> rows_of;
        for (std::size_t i = 0; i < pairs.size(); ++i) rows_of[pairs[i].key] = expected[i].rows;
        long long done = 0;
        // Parents before children: the reverse of the order purge deletes in.
        for (auto it = order.tables.rbegin(); it != order.tables.rend(); ++it) {
            const model::Relation& r = data.get(*it);
            copy_relation(src, dst, data, r, nulled, literal);
            done += rows_of[data.whole_schema() ? r.name.name : r.name.display()];
            progress.update(done);
            util::failpoint("copy.table");
        }
        for (std::size_t i = 0; i < nulled.size(); ++i)
            restore_nulled(src, dst, data, nulled[i], tenant.tenancy_value, literal, static_cast<int>(i));
        dst.exec("SET CONSTRAINTS ALL IMMEDIATE");  // every deferred key is checked here, not at commit

        // Proof, read back inside the destination's transaction: each table's rows of the tenant
        // are the source's, value for value. A trigger that changed a row, a default that
        // differs, a value that did not survive its text: the copy is rolled back.
        for (std::size_t i = 0; i < pairs.size(); ++i) {
            const auto& pair = pairs[i];
            if (!pair.source) continue;
            const auto got = fingerprint(dst, theirs, *pair.target, pair.compared_columns, tenant.tenancy_value);
            if (got != expected[i])
                throw IntegrityError(fmt::format("{} {} does not match the source after the copy ({} rows, checksum {}; "
                                                 "source {} rows, checksum {}): nothing was committed",
                                                 pair.key, where, got.rows, got.checksum, expected[i].rows,
                                                 expected[i].checksum),
                                     "look for triggers on the destination's table that change rows on insert");
            result.tables.push_back(CopiedTable{pair.key, got});
            result.rows += got.rows;
        }

        audit::append(ctx, dst, copy_event(result, "in", {"from", db::describe_target(ctx.conninfo().conninfo)}));
        if (ctx.dry_run()) {
            dst.abort();
            return result;
        }
        for (const auto& pair : pairs)
            if (pair.source) advance_sequences(dst, *pair.target);
        dst.commit();
        src.commit();
    } catch (const Error&) {
        throw;
    } catch (...) {
        db::rethrow_translated("copying the tenant");
    }
    // The source records that the tenant's data left, after the destination has it.
    try {
        pqxx::work tx(ctx.db());
        auto out = copy_event(result, "out", {"to", o.to});
        out.metadata["target"] = peer.target;
        audit::append(ctx, tx, out);
        tx.commit();
    } catch (...) {
        db::rethrow_translated("recording the copy in the audit log here (the copy itself is committed " + where + ")");
    }
    return result;
}

}  // namespace tenantctl::portability
