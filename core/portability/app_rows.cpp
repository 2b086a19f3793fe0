#include "core/portability/app_rows.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/db/connection.hpp"
#include "core/errors.hpp"
#include "core/model/predicate_literal.hpp"
#include "core/portability/binary_copy.hpp"
#include "core/portability/pipe.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::portability {

namespace {

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

// Where a relation's rows go: the table of the same name, or the same table in the copy's
// own schema.
std::string destination_of(const model::Relation& r, const std::string& dest_schema) {
    return dest_schema.empty() ? r.name.quoted() : model::TableName{dest_schema, r.name.name}.quoted();
}

// `range`: a further condition over alias `t` (a batch's keys), or empty for every row of the tenant.
SentRelation copy_relation(pqxx::transaction_base& src, pqxx::transaction_base& dst, const model::TenantData& data,
                           const model::Relation& r, const std::vector<NulledKey>& nulled,
                           const RowTransform& transform, const std::string& literal, const std::string& dest_schema,
                           const std::string& range = {}) {
    SentRelation out{&r, {}, std::nullopt, false};
    std::vector<std::string> select, names;
    bool any_nulled = false;
    for (const auto* c : written_columns(r)) {
        out.columns.push_back(c->name);
        names.push_back(db::quote_ident(c->name));
        const bool set_later = is_nulled(nulled, r, c->name);
        any_nulled = any_nulled || set_later;
        select.push_back(set_later ? fmt::format("NULL::{}", c->type) : transform.value(r, *c));
    }
    const std::string query = fmt::format("(SELECT {} FROM {} t WHERE {}{})", util::join(select, ", "), r.name.quoted(),
                                          model::with_literal(data.tenant_predicate(r, "t", 1), literal),
                                          range.empty() ? "" : " AND " + range);
    const std::string table = destination_of(r, dest_schema);
    const std::string target = fmt::format("{} ({})", table, util::join(names, ", "));
    // Binary where the values are the columns themselves (an expression's type may not be
    // its column's) and their types allow it (binary_copy.hpp).
    out.binary = !any_nulled && !transform.changes(r) &&
                 binary_copy_possible(src, r.name.quoted(), dst, table, out.columns);
    RowChecksum sent;
    if (out.binary)
        pipe_rows_binary(src, query, dst, target, sent);
    else
        pipe_rows(src, query, dst, target, &sent);
    if (!any_nulled) out.sent = sent.result();
    return out;
}

// Sets the columns copied as NULL to their values, through a temporary table keyed by the
// row identity (both as the destination has them: transformed).
void restore_nulled(pqxx::transaction_base& src, pqxx::transaction_base& dst, const model::TenantData& data,
                    const NulledKey& k, const RowTransform& transform, const std::string& source_literal,
                    const std::string& dest_value, const std::string& dest_schema, int n) {
    const model::Relation& r = *k.child;
    std::vector<std::string> columns = r.identity.columns;
    columns.insert(columns.end(), k.columns.begin(), k.columns.end());
    std::vector<std::string> defs, quoted, select;
    for (const auto& name : columns) {
        const model::Column& c = *r.column(name);
        defs.push_back(fmt::format("{} {}", db::quote_ident(name),
                                   dest_schema.empty() ? c.type : retarget_type(c.type, r.name.schema, dest_schema)));
        quoted.push_back(db::quote_ident(name));
        select.push_back(transform.value(r, c));
    }
    const std::string temp = db::quote_ident(fmt::format("tenantctl_copy_fix_{}", n));
    dst.exec(fmt::format("CREATE TEMP TABLE {} ({}) ON COMMIT DROP", temp, util::join(defs, ", ")));
    pipe_rows(src,
              fmt::format("(SELECT {} FROM {} t WHERE {})", util::join(select, ", "), r.name.quoted(),
                          model::with_literal(data.tenant_predicate(r, "t", 1), source_literal)),
              dst, fmt::format("{} ({})", temp, util::join(quoted, ", ")));
    std::vector<std::string> targets, fixed;
    for (const auto& name : k.columns) {
        targets.push_back(db::quote_ident(name));
        fixed.push_back("x." + db::quote_ident(name));
    }
    // `SET (a) = ROW(x.a)`: the list form, so one column and several read the same.
    dst.exec_params(fmt::format("UPDATE {} t SET ({}) = ROW({}) FROM {} x WHERE {} = {} AND {}", destination_of(r, dest_schema),
                                util::join(targets, ", "), util::join(fixed, ", "), temp,
                                model::column_tuple(r.identity.columns, "t"), model::column_tuple(r.identity.columns, "x"),
                                data.tenant_predicate(r, "t", 1)),
                    dest_value);
}

}  // namespace

// Why the destination cannot take the tenant's rows as they are, one line per problem.
std::vector<std::string> schema_problems(const std::vector<RelationPair>& pairs) {
    std::vector<std::string> out;
    for (const auto& pair : pairs) {
        if (!pair.source) continue;  // a table only the destination has receives nothing
        if (!pair.target) {
            // Or there, but not part of the tenant's data: no tenancy column, and no cascading
            // foreign key into a table that has one (the keys differ between the two sides).
            out.push_back(fmt::format("{}: missing at the destination, or not a table of the tenant's data there (no "
                                      "tenancy column, and no cascading foreign key into one)",
                                      pair.key));
            continue;
        }
        for (const auto& c : pair.source->columns) {
            const model::Column* theirs = pair.target->column(c.name);
            if (!theirs)
                out.push_back(fmt::format("{}: column {} missing at the destination", pair.key, c.name));
            else if (theirs->type != retarget_type(c.type, pair.source->name.schema, pair.target->name.schema))
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

std::vector<SentRelation> copy_tenant_rows(pqxx::transaction_base& src, pqxx::transaction_base& dst,
                                           const RowsCopy& c) {
    std::vector<SentRelation> sent;
    dst.exec("SET CONSTRAINTS ALL DEFERRED");
    const auto order = c.data.delete_order();
    auto nulled = keys_to_null(c.data, order);
    const auto wanted = [&](const model::Relation& r) { return !c.selected || c.selected(r); };
    std::erase_if(nulled, [&](const NulledKey& k) { return !wanted(*k.child); });
    // Parents before children: the reverse of the order purge deletes in.
    for (auto it = order.tables.rbegin(); it != order.tables.rend(); ++it) {
        const model::Relation& r = c.data.get(*it);
        if (!wanted(r)) continue;
        sent.push_back(copy_relation(src, dst, c.data, r, nulled, c.transform, c.source_literal, c.dest_schema));
        if (c.after_each) c.after_each(r);
    }
    for (std::size_t i = 0; i < nulled.size(); ++i)
        restore_nulled(src, dst, c.data, nulled[i], c.transform, c.source_literal, c.dest_value, c.dest_schema,
                       static_cast<int>(i));
    dst.exec("SET CONSTRAINTS ALL IMMEDIATE");  // every deferred key is checked here, not at commit
    return sent;
}

SentRelation copy_rows_in_range(pqxx::transaction_base& src, pqxx::transaction_base& dst, const RowsCopy& c,
                               const model::Relation& r, const std::string& range) {
    return copy_relation(src, dst, c.data, r, {}, c.transform, c.source_literal, c.dest_schema, range);
}

Fingerprint fingerprint_as_sent(pqxx::transaction_base& dst, const model::TenantData& theirs, const model::Relation& target,
                                const SentRelation& sent, const std::string& tenancy_value) {
    if (!sent.binary) return fingerprint(dst, theirs, target, sent.columns, tenancy_value);
    std::vector<std::string> columns;
    for (const auto& c : sent.columns) columns.push_back("t." + db::quote_ident(c));
    return fingerprint_binary(dst, fmt::format("(SELECT {} FROM {} t WHERE {})", util::join(columns, ", "),
                                               target.name.quoted(),
                                               model::with_literal(theirs.tenant_predicate(target, "t", 1),
                                                                   dst.quote(tenancy_value))));
}

std::map<std::string, long long> delete_tenant_rows(pqxx::transaction_base& tx, const model::TenantData& data,
                                                    const std::set<std::string>& chosen, const std::string& value) {
    tx.exec("SET CONSTRAINTS ALL DEFERRED");
    const auto order = data.delete_order();
    for (const auto& fk : order.broken) {
        if (fk.deferrable || fk.child == fk.parent || !chosen.contains(relation_key(data, fk.child))) continue;
        const model::Relation& child = data.get(fk.child);
        std::vector<std::string> nulls;
        for (const auto& c : fk.nullify_columns) nulls.push_back(fmt::format("{} = NULL", db::quote_ident(c)));
        tx.exec_params(fmt::format("UPDATE {} t SET {} WHERE {}", child.name.quoted(), util::join(nulls, ", "),
                                   data.tenant_predicate(child, "t", 1)),
                       value);
    }
    std::map<std::string, long long> deleted;
    for (const auto& name : order.tables) {
        const model::Relation& r = data.get(name);
        if (!chosen.contains(relation_key(data, r))) continue;
        deleted[relation_key(data, r)] =
            tx.exec_params(fmt::format("DELETE FROM {} t WHERE {}", r.name.quoted(), data.tenant_predicate(r, "t", 1)), value)
                .affected_rows();
    }
    return deleted;
}

void advance_sequences(pqxx::transaction_base& dst, const model::Relation& r) {
    const auto sequences = dst.exec_params(
        "SELECT a.attname, s.seq FROM pg_attribute a, LATERAL (SELECT pg_get_serial_sequence($1, a.attname) AS seq) s "
        "WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped AND s.seq IS NOT NULL",
        r.name.quoted());
    // Only ids the sequence itself can hand out matter, and setval refuses any other: Citus
    // gives each node's sequence its own range (a table created in a distributed schema starts
    // at its node group << 48), so the copied ids may all lie below it.
    // The range comes in scalar subqueries, in the same statement: max() over the table alone
    // stays one backward index scan (joined with pg_sequence it read every index entry). It is
    // one statement on purpose: on Citus, with the range read in a statement of its own, setval
    // met the range of the node holding a distributed schema's table and failed. A descending
    // sequence (no such row) hands out ids below the copied ones and is left alone.
    for (const auto& s : sequences)
        dst.exec_params(fmt::format("SELECT setval($1::regclass, m) FROM (SELECT max(t.{0})::bigint AS m FROM {1} t "
                                    "WHERE t.{0} BETWEEN (SELECT seqmin FROM pg_sequence WHERE seqrelid = $1::regclass "
                                    "  AND seqincrement > 0) AND (SELECT seqmax FROM pg_sequence WHERE "
                                    "  seqrelid = $1::regclass)) x "
                                    "WHERE m > coalesce(pg_sequence_last_value($1::regclass), 0)",
                                    db::quote_ident(s[0].c_str()), r.name.quoted()),
                        s[1].c_str());
}
}  // namespace tenantctl::portability
