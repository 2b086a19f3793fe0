#include "core/portability/batched_copy.hpp"

#include <fmt/format.h>

#include <deque>
#include <set>

#include "core/context.hpp"
#include "core/db/connection.hpp"
#include "core/db/lock_check.hpp"
#include "core/errors.hpp"
#include "core/model/predicate_literal.hpp"
#include "core/model/row_access.hpp"
#include "core/portability/app_triggers.hpp"
#include "core/portability/compare.hpp"
#include "core/util/failpoint.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::portability {

namespace {

// The checkpoint cursor is plain (unordered) JSON: it is stored as jsonb, which does not keep
// key order anyway.
using CursorJson = nlohmann::json;

constexpr const char* kNoRows = "0000000000000000";  // the checksum of no rows

// `(t.a, t.b) <op> ('1'::bigint, 'x'::text)`: a key compared with a key value given as the
// text of each column, typed by the column's own type.
std::string key_compared(pqxx::transaction_base& src, const model::Relation& r, const char* op, const CursorJson& values) {
    const auto& columns = r.identity.columns;
    if (!values.is_array() || values.size() != columns.size())
        throw IntegrityError(fmt::format("{}: its key is not the one the copy's checkpoint pages by (the table changed "
                                         "since the copy began?)",
                                         r.display()),
                             "roll the move back with `tenantctl tenant move --abort`, then move the tenant again");
    std::vector<std::string> literals;
    for (std::size_t i = 0; i < columns.size(); ++i)
        literals.push_back(fmt::format("{}::{}", src.quote(values.at(i).get<std::string>()), r.column(columns[i])->type));
    const std::string value = literals.size() == 1 ? literals[0] : "(" + util::join(literals, ", ") + ")";
    return fmt::format("{} {} {}", model::column_tuple(columns, "t"), op, value);
}

CursorJson new_table_state() {
    return CursorJson{{"from", nullptr},   {"rows", 0},        {"checksum", kNoRows},
                {"binary", nullptr}, {"quieted", false}, {"done", false}};
}

void save(Context& ctx, pqxx::transaction_base& dst, const CopyCheckpoint& job) {
    dst.exec_params(fmt::format("UPDATE {} SET cursor = $2::jsonb, counts = $3::jsonb, updated_at = now(), "
                                "heartbeat_at = now() WHERE id = $1::uuid",
                                ctx.platform_table("jobs")),
                    job.id, job.cursor.dump(), CursorJson{{"rows", rows_copied(job)}}.dump());
}

// The first keys of the batches of one relation, in the source's key order. The tenant's keys
// are numbered in one query, and the key of every `size`-th row kept, up to kBoundsAtOnce of
// them: one sort of the tenant's keys per 256 batches. Asked for each batch instead
// (`ORDER BY key OFFSET size LIMIT 1`), a table keyed by a bare `id` with an index on the
// tenancy column alone had, for every batch, all of the tenant's remaining rows sorted (a
// copy quadratic in the tenant's size) or the key walked through every tenant's rows
// (measured: 40 such queries 17 s, the one numbering 4.4 s, for a 500k-row tenant in 10M).
class BatchBounds {
public:
    BatchBounds(pqxx::transaction_base& src, const model::Relation& r, std::string tenant_rows, long long size)
        : m_src(src), m_relation(r), m_tenant_rows(std::move(tenant_rows)), m_size(size) {}

    // The first key of the batch after the one starting at `from` (null: the first batch;
    // `from_sql` its comparison), or nothing when that batch is the last.
    std::optional<CursorJson> after(const CursorJson& from, const std::string& from_sql) {
        if (m_known.empty() || m_known.front().first != from) {
            if (m_complete && from == m_last) return std::nullopt;
            fetch(from, from_sql);
            if (m_known.empty()) return std::nullopt;
        }
        CursorJson next = std::move(m_known.front().second);
        m_known.pop_front();
        return next;
    }

private:
    static constexpr int kBoundsAtOnce = 256;

    void fetch(const CursorJson& from, const std::string& from_sql) {
        std::vector<std::string> keys, as_text, in_order;
        const auto& columns = m_relation.identity.columns;
        for (std::size_t i = 0; i < columns.size(); ++i) {
            keys.push_back(fmt::format("t.{} AS k{}", db::quote_ident(columns[i]), i));
            in_order.push_back("t." + db::quote_ident(columns[i]));
            as_text.push_back(fmt::format("k{}::text", i));
        }
        const auto rows = m_src.exec(fmt::format(
            "SELECT {} FROM (SELECT {}, row_number() OVER (ORDER BY {}) AS n FROM {} t WHERE {}{}) s "
            "WHERE n > 1 AND (n - 1) % {} = 0 ORDER BY n LIMIT {}",
            util::join(as_text, ", "), util::join(keys, ", "), util::join(in_order, ", "), m_relation.name.quoted(),
            m_tenant_rows, from_sql.empty() ? "" : " AND " + from_sql, m_size, kBoundsAtOnce));
        m_known.clear();
        CursorJson start = from;
        for (const auto& row : rows) {
            CursorJson key = CursorJson::array();
            for (const auto& f : row) key.push_back(f.c_str());
            m_known.emplace_back(start, key);
            start = std::move(key);
        }
        m_complete = rows.size() < static_cast<std::size_t>(kBoundsAtOnce);
        m_last = std::move(start);
    }

    pqxx::transaction_base& m_src;
    const model::Relation& m_relation;
    std::string m_tenant_rows;
    long long m_size;
    std::deque<std::pair<CursorJson, CursorJson>> m_known;  // (a batch's first key, the next batch's first key)
    bool m_complete = false;  // the last fetch found every bound left: from m_last on is one batch
    CursorJson m_last;              // the last bound fetched
};

}  // namespace

long long rows_copied(const CopyCheckpoint& job) {
    long long rows = 0;
    for (const auto& [key, state] : job.cursor.at("tables").items()) rows += state.at("rows").get<long long>();
    return rows;
}

std::optional<CopyCheckpoint> find_copy_checkpoint(Context& ctx, pqxx::transaction_base& dst,
                                                   const std::string& tenant_id) {
    const auto r = dst.exec_params(fmt::format("SELECT id::text, cursor::text FROM {} WHERE kind = $1 AND "
                                               "tenant_id = $2::uuid AND state = 'running' ORDER BY started_at LIMIT 1",
                                               ctx.platform_table("jobs")),
                                   kMoveCopyJob, tenant_id);
    if (r.empty()) return std::nullopt;
    CopyCheckpoint job{r[0][0].c_str(), CursorJson::parse(r[0][1].c_str())};
    if (!job.cursor.contains("tables")) job.cursor["tables"] = CursorJson::object();
    return job;
}

CopyCheckpoint start_copy_checkpoint(Context& ctx, pqxx::transaction_base& dst, const std::string& tenant_id,
                                     const std::string& from, const nlohmann::json& arrival) {
    CopyCheckpoint job{"", CursorJson{{"tables", CursorJson::object()}}};
    if (arrival.is_object() && !arrival.empty()) job.cursor["arrival"] = arrival;
    job.id = dst.exec_params1(fmt::format("INSERT INTO {} (kind, tenant_id, target, cursor, actor) "
                                          "VALUES ($1, $2::uuid, $3, $4::jsonb, $5) RETURNING id::text",
                                          ctx.platform_table("jobs")),
                              kMoveCopyJob, tenant_id, from, job.cursor.dump(), ctx.actor())[0]
                 .c_str();
    return job;
}

void finish_copy_checkpoint(Context& ctx, pqxx::transaction_base& dst, const CopyCheckpoint& job, long long rows) {
    dst.exec_params(fmt::format("UPDATE {} SET state = 'done', finished_at = now(), cursor = $2::jsonb, "
                                "counts = $3::jsonb, updated_at = now() WHERE id = $1::uuid",
                                ctx.platform_table("jobs")),
                    job.id, job.cursor.dump(), CursorJson{{"rows", rows}, {"in_batches", rows_copied(job)}}.dump());
}

void cancel_copy_checkpoints(Context& ctx, pqxx::transaction_base& dst, const std::string& tenant_id) {
    dst.exec_params(fmt::format("UPDATE {} SET state = 'cancelled', finished_at = now(), error = 'the move was aborted' "
                                "WHERE kind = $1 AND tenant_id = $2::uuid AND state = 'running'",
                                ctx.platform_table("jobs")),
                    kMoveCopyJob, tenant_id);
}

std::vector<const model::Relation*> batched_relations(const model::TenantData& data,
                                                      const std::function<bool(const model::Relation&)>& selected) {
    const auto order = data.delete_order();
    std::set<model::TableName> pointing_forward;  // rows that may reference a row of a later batch
    for (const auto& fk : order.broken) {
        pointing_forward.insert(fk.child);
        pointing_forward.insert(fk.parent);
    }
    for (const auto& t : order.single_statement) pointing_forward.insert(t);
    for (const auto& fk : data.foreign_keys())
        if (fk.child == fk.parent) pointing_forward.insert(fk.child);

    std::vector<const model::Relation*> out;
    std::set<model::TableName> batched;
    for (auto it = order.tables.rbegin(); it != order.tables.rend(); ++it) {  // parents first
        const model::Relation& r = data.get(*it);
        if (!selected(r) || !r.identity || pointing_forward.contains(r.name)) continue;
        bool parents_batched = true;
        for (const auto& fk : data.foreign_keys())
            if (fk.child == r.name && !batched.contains(fk.parent)) parents_batched = false;
        if (!parents_batched) continue;
        batched.insert(r.name);
        out.push_back(&r);
    }
    return out;
}

void copy_in_batches(Batches& b, const BatchedRelation& r, CopyCheckpoint& job) {
    CursorJson& state = job.cursor["tables"][r.key];
    if (state.is_null()) state = new_table_state();
    const std::string tenant_rows =
        model::with_literal(b.rows.data.tenant_predicate(r.source, "t", 1), b.rows.source_literal);
    BatchBounds bounds(b.src, r.source, tenant_rows, b.size);
    bool first_in_this_run = true;
    while (!state["done"].get<bool>()) {
        const std::string from = state["from"].is_null() ? "" : key_compared(b.src, r.source, ">=", state["from"]);
        // This batch is the keys from its own first up to the next batch's first, excluded.
        const std::optional<CursorJson> next = bounds.after(state["from"], from);
        CursorJson next_from = nullptr;
        std::vector<std::string> range;
        if (!from.empty()) range.push_back(from);
        if (next) {
            next_from = *next;
            range.push_back(key_compared(b.src, r.source, "<", next_from));
        }  // else the rest of the rows: the last batch

        pqxx::work tx(b.dst);
        model::enter_tenant(b.ctx, tx, b.rows.dest_value);
        use_canonical_text(tx);
        tx.exec("SET CONSTRAINTS ALL DEFERRED");
        std::vector<std::string> warnings;
        AppTriggersQuiet quiet(tx, b.theirs, {&r.target}, b.fire_triggers, warnings);
        if (first_in_this_run)
            for (const auto& w : warnings) b.ctx.log().warn(w);
        const SentRelation sent = copy_rows_in_range(b.src, tx, b.rows, r.source, util::join(range, " AND "));
        tx.exec("SET CONSTRAINTS ALL IMMEDIATE");  // a deferred key fails here, naming this batch's statement
        if (!state["binary"].is_null() && state["binary"].get<bool>() != sent.binary)
            throw IntegrityError(fmt::format("{}: the format its rows travel in changed since the copy began (a column's "
                                             "type changed on either side?)",
                                             r.key),
                                 "roll the move back with `tenantctl tenant move --abort`, then move the tenant again");
        const Fingerprint so_far{state["rows"].get<long long>(), state["checksum"].get<std::string>()};
        const Fingerprint now = combined(so_far, *sent.sent);
        state["rows"] = now.rows;
        state["checksum"] = now.checksum;
        state["binary"] = sent.binary;
        state["quieted"] = state["quieted"].get<bool>() || quiet.quieted() > 0;
        state["from"] = next_from;
        state["done"] = !next.has_value();
        save(b.ctx, tx, job);
        util::failpoint("copy.batch.written");  // a kill here loses the batch: the checkpoint says so too
        db::verify_held_locks();  // a lost lock: another run may be writing the same rows
        tx.commit();
        first_in_this_run = false;
        if (b.after_each) b.after_each(sent.sent->rows);
        util::failpoint("copy.batch");
    }
}

SentRelation sent_in_batches(const CopyCheckpoint& job, const BatchedRelation& r) {
    const CursorJson& state = job.cursor.at("tables").at(r.key);
    SentRelation s{&r.source, {}, Fingerprint{state.at("rows").get<long long>(), state.at("checksum").get<std::string>()},
                   state.at("binary").is_boolean() && state.at("binary").get<bool>()};
    for (const auto& c : r.source.columns)
        if (!c.generated) s.columns.push_back(c.name);  // as copy_rows_in_range sent them
    return s;
}

bool keys_unchecked(const CopyCheckpoint& job, const BatchedRelation& r) {
    const CursorJson& state = job.cursor.at("tables").at(r.key);
    return state.at("quieted").get<bool>();
}

}  // namespace tenantctl::portability
