#include "core/gdpr/erase.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "core/audit/append.hpp"
#include "core/audit/chain.hpp"
#include "core/audit/pseudonymize.hpp"
#include "core/catalog/catalog.hpp"
#include "core/context.hpp"
#include "core/crypto/hash.hpp"
#include "core/db/connection.hpp"
#include "core/db/errors.hpp"
#include "core/gdpr/anonymize_hash.hpp"
#include "core/gdpr/register.hpp"
#include "core/gdpr/session.hpp"
#include "core/platform/migrations.hpp"
#include "core/util/atomic_file.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::gdpr {

namespace fs = std::filesystem;
using config::AnonymizeStrategy;
using config::EraseAction;

std::string hmac_pseudonym_sql(const std::string& value_sql, int ipad, int opad) {
    return fmt::format("'anon_' || left(encode(sha256(${1}::bytea || sha256(${0}::bytea || convert_to({2}, 'UTF8'))), "
                       "'hex'), 32)",
                       ipad, opad, value_sql);
}

namespace {

constexpr const char* kRedacted = "[erased]";

struct Step {
    std::size_t index;
    EraseAction action;
    std::string keys_table;  // temp table with the primary keys of the chosen rows
    long long rows = 0;
    std::map<std::string, AnonymizeStrategy> columns;  // anonymize only
};

std::string pk_list(const std::vector<std::string>& pk, const std::string& alias = "") {
    std::vector<std::string> parts;
    for (const auto& c : pk) parts.push_back((alias.empty() ? "" : alias + ".") + db::quote_ident(c));
    return util::join(parts, ", ");
}

std::string in_keys(const Step& st, const ReachedTable& t, const std::string& alias) {
    return fmt::format("({}) IN (SELECT {} FROM {})", pk_list(t.primary_key, alias), pk_list(t.primary_key),
                       st.keys_table);
}

std::set<std::string> nullable_columns(pqxx::transaction_base& tx, const catalog::TableName& t) {
    auto rows = tx.exec_params(
        "SELECT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped AND NOT a.attnotnull",
        t.schema, t.name);
    std::set<std::string> out;
    for (const auto& r : rows) out.insert(r[0].c_str());
    return out;
}

// The columns an anonymize step overwrites: every pii/encrypted column (default: NULL when
// nullable, else a keyed hash), with the map's explicit strategies taking precedence.
std::map<std::string, AnonymizeStrategy> anonymized_columns(pqxx::transaction_base& tx, const ReachedTable& t) {
    std::map<std::string, AnonymizeStrategy> out;
    auto nullable = nullable_columns(tx, t.name);
    for (const auto* list : {&t.config->pii, &t.config->encrypted})
        for (const auto& c : *list)
            out[c] = nullable.count(c) ? AnonymizeStrategy::null
                     : t.is_encrypted(c) ? AnonymizeStrategy::redact
                                         : AnonymizeStrategy::hash;
    for (const auto& [c, s] : t.config->anonymize) out[c] = s;
    return out;
}

std::string still_present_sql(const std::string& col, AnonymizeStrategy s) {
    std::string q = "t." + db::quote_ident(col);
    switch (s) {
        case AnonymizeStrategy::null: return q + " IS NOT NULL";
        case AnonymizeStrategy::redact: return q + "::text IS DISTINCT FROM '[erased]'";
        case AnonymizeStrategy::hash: return q + " IS NOT NULL AND " + q + "::text NOT LIKE 'anon\\_%'";
    }
    return "false";
}

std::string fk_columns_match(const catalog::ForeignKey& fk, const ReachedTable& parent, const Step& pst) {
    std::vector<std::string> child, par;
    for (const auto& c : fk.child_columns) child.push_back("c." + db::quote_ident(c));
    for (const auto& c : fk.parent_columns) par.push_back("p." + db::quote_ident(c));
    return fmt::format("({}) IN (SELECT {} FROM {} p WHERE {})", util::join(child, ", "), util::join(par, ", "),
                       parent.name.quoted(), in_keys(pst, parent, "p"));
}

}  // namespace

EraseResult erase_subject(Context& ctx, const EraseOptions& o) {
    platform::require_current(ctx);
    if (o.output && !ctx.dry_run()) {
        if (fs::exists(*o.output) && !o.force)
            throw Refused(fmt::format("{} already exists", o.output->string()), "pass --force to overwrite it");
        fs::path dir = o.output->has_parent_path() ? o.output->parent_path() : fs::path(".");
        if (::access(dir.c_str(), W_OK) != 0)
            throw UsageError(fmt::format("cannot write {}: directory is not writable", o.output->string()));
    }
    auto lock = ctx.dry_run() ? nullptr : ctx.lock("gdpr:erase:" + o.tenant);

    EraseResult result;
    result.request_id = o.request.value_or(new_request_id());
    pqxx::work tx(ctx.db());
    auto s = open_session(ctx, tx, o.tenant, o.selector);
    if (o.request) require_open_request(ctx, tx, s.tenant.id, *o.request, "erase");
    const auto& map = s.map;
    // A tenant that never had an audit key gets one on the real run; a dry run must not show a
    // pseudonym from a key it is about to roll back.
    const std::string pseudonym = ctx.dry_run() && audit::tenant_audit_key(ctx, tx, s.tenant.id, false).empty()
                                      ? std::string("(assigned on erasure)")
                                      : subject_pseudonym(ctx, tx, s);

    // 1. Choose the rows, once.
    std::vector<Step> steps;
    for (std::size_t i = 0; i < map.reached.size(); ++i) {
        const auto& t = map.reached[i];
        if (!t.config || !t.config->erase)
            throw UsageError(fmt::format("data map: {} holds the subject's rows but has no erase action", t.name.display()),
                             "add it under data.tables with erase: delete|anonymize|retain (gdpr lint lists these)");
        Step st{i, *t.config->erase, fmt::format("pg_temp.gdpr_erase_{}", i), 0, {}};
        if (st.action != EraseAction::retain && t.primary_key.empty())
            throw Refused(fmt::format("{} has no primary key: its rows cannot be erased one by one", t.name.display()),
                          "add a primary key, or mark the table erase: retain with its basis");
        std::string cols = t.primary_key.empty() ? "1 AS one" : pk_list(t.primary_key, "t");
        tx.exec_params(fmt::format("CREATE TEMP TABLE {} ON COMMIT DROP AS {}", st.keys_table, map.select(i, cols)),
                       s.tenant.id, s.subject.key);
        st.rows = tx.exec1(fmt::format("SELECT count(*) FROM {}", st.keys_table))[0].as<long long>();
        if (st.action == EraseAction::anonymize) st.columns = anonymized_columns(tx, t);
        steps.push_back(std::move(st));
    }
    auto step_of = [&](const catalog::TableName& n) -> const Step* {
        for (const auto& st : steps)
            if (map.reached[st.index].name == n) return &st;
        return nullptr;
    };

    json tables = json::array();
    for (const auto& st : steps) {
        const auto& t = map.reached[st.index];
        json entry = {{"table", t.name.display()}, {"action", std::string(config::to_string(st.action))},
                      {"rows", st.rows}};
        if (st.action == EraseAction::anonymize) {
            json cols = json::object();
            for (const auto& [c, strat] : st.columns) cols[c] = std::string(config::to_string(strat));
            entry["columns"] = cols;
        }
        if (st.action == EraseAction::retain) entry["basis"] = *t.config->basis;
        entry["reason"] = st.action == EraseAction::retain ? "kept: " + *t.config->basis
                                                            : std::string("erasure request (GDPR Art. 17)");
        tables.push_back(entry);
    }
    json receipt = {{"request_id", result.request_id}, {"tenant", s.tenant.slug}, {"subject", pseudonym},
                    {"dry_run", ctx.dry_run()},        {"tables", tables}};
    if (!ctx.dry_run()) receipt["erased_at"] = tx.exec1("SELECT to_char(now() AT TIME ZONE 'UTC', "
                                                        "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")[0].c_str();

    if (ctx.dry_run()) {
        tx.abort();
        result.receipt = std::move(receipt);
        return result;
    }
    long long total = 0;
    for (const auto& st : steps) total += st.action == EraseAction::retain ? 0 : st.rows;
    if (!ctx.confirm(fmt::format("erase subject {} of tenant {} ({} rows deleted or anonymized)?", pseudonym,
                                 s.tenant.slug, total)))
        throw Aborted("erase declined");

    // 2. Anonymize.
    auto akey = anonymize_key(ctx, tx, s.tenant.id);
    std::string ipad(64, '\x36'), opad(64, '\x5c');
    for (std::size_t i = 0; i < akey.size(); ++i) {
        ipad[i] = static_cast<char>(ipad[i] ^ akey.data()[i]);
        opad[i] = static_cast<char>(opad[i] ^ akey.data()[i]);
    }
    for (const auto& st : steps) {
        if (st.action != EraseAction::anonymize || st.rows == 0 || st.columns.empty()) continue;
        const auto& t = map.reached[st.index];
        std::vector<std::string> sets;
        for (const auto& [c, strat] : st.columns) {
            std::string q = db::quote_ident(c);
            switch (strat) {
                case AnonymizeStrategy::null: sets.push_back(q + " = NULL"); break;
                case AnonymizeStrategy::redact: sets.push_back(fmt::format("{} = '{}'", q, kRedacted)); break;
                case AnonymizeStrategy::hash:
                    sets.push_back(fmt::format("{} = CASE WHEN t.{} IS NULL THEN NULL ELSE {} END", q, q,
                                               hmac_pseudonym_sql("t." + q + "::text", 2, 3)));
                    break;
            }
        }
        std::string sql = fmt::format("UPDATE {} t SET {} WHERE t.{} = $1::{} AND {}", t.name.quoted(),
                                      util::join(sets, ", "), db::quote_ident(map.tenancy_column), map.tenancy_type,
                                      in_keys(st, t, "t"));
        bool hashes = std::any_of(st.columns.begin(), st.columns.end(),
                                  [](const auto& c) { return c.second == AnonymizeStrategy::hash; });
        if (hashes)
            tx.exec_params(sql, s.tenant.id, pqxx::binarystring(ipad), pqxx::binarystring(opad));
        else
            tx.exec_params(sql, s.tenant.id);
    }
    std::fill(ipad.begin(), ipad.end(), 0);
    std::fill(opad.begin(), opad.end(), 0);

    // 3. Deletes: first clear references to the doomed rows from rows that stay, then break
    // cycles among the doomed tables, then delete children before parents.
    std::vector<catalog::TableName> doomed;
    for (const auto& st : steps)
        if (st.action == EraseAction::delete_rows && st.rows > 0) doomed.push_back(map.reached[st.index].name);
    json cleared = json::array();
    for (const auto& fk : map.foreign_keys) {
        const Step* pst = step_of(fk.parent);
        if (!pst || pst->action != EraseAction::delete_rows || pst->rows == 0) continue;
        if (fk.on_delete == 'c' || fk.on_delete == 'n' || fk.on_delete == 'd' || !fk.child_columns_nullable) continue;
        const Step* cst = step_of(fk.child);
        const auto& parent = map.reached[pst->index];
        std::string outside;
        if (cst && cst->action == EraseAction::delete_rows)
            outside = " AND NOT " + in_keys(*cst, map.reached[cst->index], "c");
        std::vector<std::string> sets;
        for (const auto& c : fk.child_columns) sets.push_back(db::quote_ident(c) + " = NULL");
        auto r = tx.exec_params(fmt::format("UPDATE {} c SET {} WHERE c.{} = $1::{} AND {}{}", fk.child.quoted(),
                                            util::join(sets, ", "), db::quote_ident(map.tenancy_column),
                                            map.tenancy_type, fk_columns_match(fk, parent, *pst), outside),
                                s.tenant.id);
        if (r.affected_rows() > 0)
            cleared.push_back({{"table", fk.child.display()}, {"columns", fk.child_columns},
                               {"rows", r.affected_rows()}, {"reason", "referenced an erased row"}});
    }
    auto order = catalog::delete_order(doomed, map.foreign_keys);
    for (const auto& fk : order.broken) {
        const Step* cst = step_of(fk.child);
        if (fk.deferrable) {
            tx.exec0("SET CONSTRAINTS " + db::quote_qualified(fk.child.schema, fk.constraint) + " DEFERRED");
            continue;
        }
        std::vector<std::string> sets;
        for (const auto& c : fk.child_columns) sets.push_back(db::quote_ident(c) + " = NULL");
        tx.exec0(fmt::format("UPDATE {} c SET {} WHERE {}", fk.child.quoted(), util::join(sets, ", "),
                             in_keys(*cst, map.reached[cst->index], "c")));
    }
    for (const auto& name : order.tables) {
        const Step* st = step_of(name);
        const auto& t = map.reached[st->index];
        tx.exec_params(fmt::format("DELETE FROM {} t WHERE t.{} = $1::{} AND {}", t.name.quoted(),
                                   db::quote_ident(map.tenancy_column), map.tenancy_type, in_keys(*st, t, "t")),
                       s.tenant.id);
    }

    // 4. The audit log keeps its events, with the subject pseudonymized by the audit chain's
    // own rule (sealed events still verify); the register names the person by the same
    // pseudonym the events now carry.
    const auto pz = audit::pseudonymize_subject(ctx, tx, s.tenant.id, s.subject.identifiers);
    const json audit_changed = {{"actor_id", pz.actor_fields},
                                {"resource_id", pz.resource_fields},
                                {"ip_user_agent", pz.network_fields},
                                {"metadata", pz.metadata_fields}};
    tx.exec_params(fmt::format("UPDATE {} SET subject = $3 WHERE tenant_id = $1::uuid AND subject = $2",
                               ctx.platform_table("gdpr_requests")),
                   s.tenant.id, s.subject.canonical(), pseudonym);

    // 5. Verify before COMMIT: nothing erasable may remain.
    std::vector<std::string> left;
    for (const auto& st : steps) {
        const auto& t = map.reached[st.index];
        long long n = 0;
        if (st.action == EraseAction::delete_rows) {
            n = query_subject(tx, s, map.select(st.index, "count(*)"))[0][0].as<long long>();
        } else if (st.action == EraseAction::anonymize && !st.columns.empty()) {
            std::vector<std::string> any;
            for (const auto& [c, strat] : st.columns) any.push_back("(" + still_present_sql(c, strat) + ")");
            n = tx.exec(fmt::format("SELECT count(*) FROM {} t WHERE {} AND ({})", t.name.quoted(), in_keys(st, t, "t"),
                                    util::join(any, " OR ")))[0][0]
                    .as<long long>();
        }
        if (n > 0) left.push_back(fmt::format("{}: {} row(s)", t.name.display(), n));
    }
    json ids = s.subject.identifiers;
    auto audit_left = tx.exec_params(
        fmt::format("SELECT count(*) FROM {} a WHERE a.tenant_id = $1::uuid AND EXISTS (SELECT FROM "
                    "jsonb_array_elements_text($2::jsonb) v(id) WHERE a.actor_id = v.id OR a.resource_id = v.id "
                    "OR a.user_agent = v.id OR jsonb_path_exists(a.metadata, '$.** ? (@ == $v)', "
                    "jsonb_build_object('v', v.id)))",
                    ctx.platform_table("audit_log")),
        s.tenant.id, ids.dump())[0][0].as<long long>();
    if (audit_left > 0) left.push_back(fmt::format("audit log: {} event(s)", audit_left));
    if (!left.empty()) {
        tx.abort();
        IntegrityError err("after erasure the subject queries still find personal data: rolled back, nothing changed",
                           "a trigger or default may be restoring values; check the listed tables");
        for (auto& l : left) err.with_detail(l);
        throw err;
    }

    receipt["references_cleared"] = cleared;
    receipt["audit_fields_pseudonymized"] = audit_changed;
    receipt["verified"] = true;
    result.sha256 = crypto::sha256_hex(receipt.dump(2) + "\n");
    RequestRecord rec;
    rec.tenant_id = s.tenant.id;
    rec.id = result.request_id;
    rec.kind = "erase";
    rec.subject = pseudonym;
    rec.artifact_sha256 = result.sha256;
    if (o.output) rec.artifact = o.output->filename().string();
    rec.receipt = receipt;
    record_request(ctx, tx, rec, o.request);
    json counts = json::object();
    for (const auto& st : steps) counts[map.reached[st.index].name.display()] = st.rows;
    audit::append(ctx, tx,
                  gdpr::request_event(s.tenant.id, "gdpr.erase", result.request_id,
                   json{{"subject", pseudonym}, {"rows", counts}, {"audit_fields_pseudonymized", audit_changed},
                        {"sha256", result.sha256}}));
    tx.commit();

    // The receipt is in the register already (same transaction); the file is a copy.
    if (o.output) {
        util::write_file_atomic(*o.output, receipt.dump(2) + "\n", 0600);
        result.path = o.output;
    }
    result.receipt = std::move(receipt);
    return result;
}

}  // namespace tenantctl::gdpr
