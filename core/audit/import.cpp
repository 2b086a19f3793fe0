#include "core/audit/import.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "core/audit/append.hpp"
#include "core/audit/chain.hpp"
#include "core/audit/import_source.hpp"
#include "core/audit/partitions.hpp"
#include "core/context.hpp"
#include "core/db/connection.hpp"
#include "core/db/errors.hpp"
#include "core/db/lock.hpp"
#include "core/errors.hpp"
#include "core/records.hpp"
#include "core/tenants/lookup.hpp"
#include "core/util/strings.hpp"
#include "core/util/failpoint.hpp"
#include "core/util/interrupt.hpp"

namespace tenantctl::audit {

namespace fs = std::filesystem;

namespace {

constexpr const char* kJobKind = "audit.import";
constexpr const char* kStage = "pg_temp.tenantctl_audit_import";
constexpr int kFirstYear = 1678, kLastYear = 2261;  // util::parse_time's range
constexpr const char* kFixHint = "nothing of this batch was imported; fix the source or --map, then re-run to resume";

// SQL type of each importable column, in import_columns() order.
const std::map<std::string, std::string>& column_types() {
    static const std::map<std::string, std::string> types = {
        {"tenant_id", "text"},     {"occurred_at", "timestamptz"}, {"actor_type", "text"}, {"actor_id", "text"},
        {"action", "text"},        {"resource_type", "text"},      {"resource_id", "text"}, {"request_id", "text"},
        {"ip", "inet"},            {"user_agent", "text"},         {"metadata", "jsonb"}};
    return types;
}

// What one import reads and how, fixed before its first batch and kept with its job: a resumed
// run must import the rest the same way.
struct Plan {
    ImportSource src;
    std::map<std::string, std::string> map;  // audit_log column -> source column or key
    std::optional<std::string> tenant_id;    // --tenant
    std::string key;                         // table sources
    std::string timezone;                    // of source times that carry none

    json options() const {
        return {{"map", map},
                {"tenant_id", tenant_id ? json(*tenant_id) : json()},
                {"key", src.is_file ? json() : json(key)},
                {"timezone", timezone}};
    }
};

struct Job {
    std::string id;
    std::string state;
    json cursor = json::object();  // table: {"after": key}; file: {"offset", "line", "prefix_sha256"}; "phase"
    json counts = json::object();  // {"events": n, "min": {tenant_id: oldest occurred_at}, "months": [...]}
};

void save_job(Context& ctx, pqxx::transaction_base& tx, const Job& job) {
    if (job.id.empty()) return;  // a dry run
    tx.exec_params0(fmt::format("UPDATE {} SET cursor = $2::jsonb, counts = $3::jsonb, error = NULL, updated_at = now(), "
                                "heartbeat_at = now() WHERE id = $1::uuid",
                                ctx.platform_table("jobs")),
                    job.id, job.cursor.dump(), job.counts.dump());
}

// audit_log column -> source column (table) or key (file); absent: not imported (default).
std::map<std::string, std::string> mapping(const ImportOptions& o, const ImportSource& s, const std::string& key) {
    if (o.tenant_slug && o.map.count("tenant_id"))
        throw UsageError("--tenant and --map tenant_id=... exclude each other",
                         "give --tenant when every event belongs to one tenant, --map when the source names it");
    if (s.is_file && o.key)
        throw UsageError("--key applies to a table; a file is imported in the order of its lines");
    std::map<std::string, std::string> m;
    for (const auto& c : import_columns()) {
        if (auto it = o.map.find(c); it != o.map.end())
            m[c] = it->second;
        else if (s.is_file || s.columns.count(c))
            m[c] = c;
    }
    if (o.tenant_slug) m.erase("tenant_id");
    if (o.tenant_slug && !s.is_file && s.columns.count("tenant_id"))
        throw UsageError(fmt::format("{} has a tenant_id column, and --tenant would override it", s.label),
                         "drop --tenant to take each event's tenant from it");
    if (!s.is_file) {
        for (const auto& [col, src] : m)
            if (!s.columns.count(src))
                throw UsageError(fmt::format("{} has no column {} (mapped to {})", s.label, util::in_quotes(src), col),
                                 "see --map COLUMN=SOURCE");
        if (!s.columns.count(key))
            throw UsageError(fmt::format("{} has no key column {}", s.label, util::in_quotes(key)),
                             "--key names a unique column to import in order (default id)");
        for (const char* req : {"occurred_at", "action"})
            if (!m.count(req))
                throw UsageError(fmt::format("{} has no column for {}", s.label, req),
                                 fmt::format("map one with --map {}=COLUMN", req));
        if (!o.tenant_slug && !m.count("tenant_id"))
            throw UsageError(fmt::format("{} has no tenant_id column", s.label),
                             "map one with --map tenant_id=COLUMN, or give --tenant SLUG");
    }
    return m;
}

// The stage: the batch as the source gave it (tenant and time also as text, for messages),
// typed by the log's own column types.
void create_stage(pqxx::transaction_base& tx) {
    std::string cols = "ord bigint, src_key text, tenant_src text, occurred_src text";
    for (const auto& c : import_columns()) cols += fmt::format(", {} {}", c, column_types().at(c));
    tx.exec0(fmt::format("CREATE TEMP TABLE IF NOT EXISTS tenantctl_audit_import ({})", cols));
}

std::optional<std::string> text_of(const json& v) {
    if (v.is_null()) return std::nullopt;
    if (v.is_string()) return v.get<std::string>();
    return v.dump();
}

// An ISO 8601 / RFC 3339 date and time of the years 1678 to 2261: YYYY-MM-DD, optionally
// [T ]HH:MM[:SS[.fraction]], then optionally Z or +HH[[:]MM]. The server's own parser also takes words ("yesterday", "now",
// "epoch") and bare numbers, which in a backfill are mistakes, not times. (By hand: std::regex
// cost microseconds a line.)
bool iso_time(std::string_view t) {
    std::size_t i = 0;
    auto digits = [&](std::size_t n) {
        for (std::size_t k = 0; k < n; ++k, ++i)
            if (i >= t.size() || t[i] < '0' || t[i] > '9') return false;
        return true;
    };
    auto eat = [&](char c) {
        if (i < t.size() && t[i] == c) return ++i, true;
        return false;
    };
    auto spaces = [&] {
        while (i < t.size() && t[i] == ' ') ++i;
    };
    spaces();
    const std::size_t year_at = i;
    if (!(digits(4) && eat('-') && digits(2) && eat('-') && digits(2))) return false;
    // The years tenantctl's times cover (its clock type, in nanoseconds): an event outside them
    // could be stored but never listed, pruned or read back right.
    const int year = std::stoi(std::string(t.substr(year_at, 4)));
    if (year < kFirstYear || year > kLastYear) return false;
    if (i < t.size() && (t[i] == 'T' || t[i] == 't' || (t[i] == ' ' && i + 1 < t.size() && t[i + 1] >= '0' &&
                                                        t[i + 1] <= '9'))) {
        ++i;
        if (!(digits(2) && eat(':') && digits(2))) return false;
        if (eat(':')) {
            if (!digits(2)) return false;
            if (eat('.')) {
                std::size_t n = 0;
                while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i, ++n;
                if (n == 0 || n > 9) return false;
            }
        }
    }
    spaces();
    if (eat('Z') || eat('z')) {
    } else if (i < t.size() && (t[i] == '+' || t[i] == '-')) {
        ++i;
        if (!digits(2)) return false;
        eat(':');
        if (i < t.size() && t[i] != ' ' && !digits(2)) return false;
    }
    spaces();
    return i == t.size();
}

// COPYs the lines of a batch into the stage. Keys mapped to no column go into metadata.
void stage_file_batch(pqxx::transaction_base& tx, const Plan& plan, const FileBatch& b) {
    std::vector<std::string> names{"ord", "src_key", "tenant_src", "occurred_src"};
    for (const auto& c : import_columns()) names.push_back(c);
    std::set<std::string> mapped_keys;
    for (const auto& [col, key] : plan.map) mapped_keys.insert(key);
    const std::string file = plan.src.path.string();
    pqxx::stream_to out(tx, kStage, names);
    for (std::size_t i = 0; i < b.lines.size(); ++i) {
        const std::int64_t line_no = b.line_numbers[i];
        // A JSON array (a whole export on one line, or a pretty-printed file) is not NDJSON:
        // said before the array is parsed, which for a big file costs ten times its size.
        if (util::trim(b.lines[i]).starts_with("["))
            throw UsageError(fmt::format("{}:{}: a JSON array, not an object: NDJSON holds one event per line", file,
                                         line_no),
                             fmt::format("convert it first, e.g. jq -c '.[]' {} > events.ndjson", util::in_quotes(file)));
        json obj = json::parse(b.lines[i], nullptr, false);
        if (obj.is_discarded())
            throw UsageError(fmt::format("{}:{}: not valid JSON", file, line_no),
                             "an NDJSON file holds one JSON object per line");
        if (!obj.is_object())
            throw UsageError(fmt::format("{}:{}: not a JSON object", file, line_no),
                             "an NDJSON file holds one JSON object per line");
        if (plan.tenant_id && obj.contains("tenant_id"))
            throw UsageError(fmt::format("{}:{}: the event names its tenant_id, and --tenant would override it", file,
                                         line_no),
                             "drop --tenant to take each event's tenant from the file");
        std::vector<std::optional<std::string>> v;
        json extra = json::object();
        for (auto it = obj.begin(); it != obj.end(); ++it)
            if (!mapped_keys.count(it.key())) extra[it.key()] = it.value();
        for (const auto& c : import_columns()) {
            auto k = plan.map.find(c);
            json val = k != plan.map.end() && obj.contains(k->second) ? obj[k->second] : json();
            if (c == "metadata" && !val.is_null() && !val.is_object())
                throw Refused(fmt::format("{}:{}: metadata is a JSON {}, not an object", file, line_no, val.type_name()),
                              kFixHint);
            if (c == "metadata" && !extra.empty()) {
                if (val.is_null()) val = json::object();
                // Keys beside the mapped ones join metadata; one that is in it already would be lost.
                for (auto it = extra.begin(); it != extra.end(); ++it) {
                    if (val.contains(it.key()))
                        throw Refused(fmt::format("{}:{}: key {} is both in metadata and beside it", file, line_no,
                                                  util::in_quotes(it.key())),
                                      "rename one of them, or --map metadata=... another key; " + std::string(kFixHint));
                    val[it.key()] = it.value();
                }
            }
            if (c == "occurred_at" && !val.is_null() && !(val.is_string() && iso_time(val.get<std::string>())))
                throw Refused(fmt::format("{}:{}: occurred_at {} is not an ISO 8601 date and time of the years {} to {}",
                                          file, line_no,
                                          util::in_quotes(val.is_string() ? val.get<std::string>() : val.dump()),
                                          kFirstYear, kLastYear),
                              "e.g. 2025-03-01T12:00:00Z; " + std::string(kFixHint));
            v.push_back(text_of(val));
        }
        out << std::tuple_cat(std::make_tuple(static_cast<std::int64_t>(i + 1), std::to_string(line_no), v[0], v[1]),
                              std::make_tuple(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10]));
    }
    out.complete();
}

bool is_time_type(const std::string& sql_type) {
    return sql_type.starts_with("timestamp") || sql_type == "date";
}

// Stages up to `limit` rows of a table source after `after` (nullopt: from the start).
void stage_table_batch(pqxx::transaction_base& tx, const Plan& plan, const std::optional<std::string>& after,
                       std::int64_t limit) {
    const std::string key = db::quote_ident(plan.key);
    std::string select = fmt::format("row_number() OVER (ORDER BY {0}), {0}::text", key);
    std::string names = "ord, src_key, tenant_src, occurred_src";
    auto source_col = [&](const char* c) {
        auto k = plan.map.find(c);
        return k == plan.map.end() ? std::string("NULL") : db::quote_ident(k->second) + "::text";
    };
    select += ", " + source_col("tenant_id") + ", " + source_col("occurred_at");
    for (const auto& c : import_columns()) {
        names += ", " + c;
        auto k = plan.map.find(c);
        if (k == plan.map.end()) {
            select += ", NULL";
        } else if (c == "occurred_at" && !is_time_type(plan.src.columns.at(k->second))) {
            // Text: only what reads as an ISO date and time (see iso_time); anything else stays
            // NULL here and is named by insert_stage's checks with its occurred_src.
            select += fmt::format(", CASE WHEN {0}::text ~ '^\\s*[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}([Tt ]|\\s*$)' "
                                  "THEN {0}::text::timestamptz END",
                                  db::quote_ident(k->second));
        } else {
            select += fmt::format(", {}::{}", db::quote_ident(k->second), column_types().at(c));
        }
    }
    const std::string inner = after ? fmt::format("SELECT * FROM {} WHERE {} > $1 ORDER BY {} LIMIT {}", plan.src.table,
                                                  key, key, limit)
                                    : fmt::format("SELECT * FROM {} WHERE $1::text IS NULL ORDER BY {} LIMIT {}",
                                                  plan.src.table, key, limit);
    tx.exec_params0(fmt::format("INSERT INTO {} ({}) SELECT {} FROM ({}) src", kStage, names, select, inner), after);
}

struct BatchOutcome {
    std::int64_t rows = 0;
    std::vector<std::string> months_created;
    std::optional<std::string> last_key;
    std::vector<std::pair<std::string, std::int64_t>> oldest;  // per tenant id, its oldest event (microseconds)
};

// Checks the staged batch, creates its months and inserts it, recording in `job` what sealing
// needs. One transaction with the position, so the position and the events commit together.
BatchOutcome insert_stage(Context& ctx, pqxx::transaction_base& tx, const Plan& plan, Job& job) {
    BatchOutcome b;
    const std::string tenants = ctx.platform_table("tenants");
    // Tenant values: the tenant's id, its tenancy key, or its slug (in that order).
    if (plan.tenant_id) {
        tx.exec_params0(fmt::format("UPDATE {} SET tenant_id = $1", kStage), *plan.tenant_id);
    } else {
        // In three statements, so that no query joins the stage (a temporary table, on this
        // connection only) with the tenants table: on Citus that is a reference table, and
        // such a join is sent to a worker, which has no such stage.
        std::vector<std::string> values, ids;
        for (const auto& r : tx.exec(fmt::format("SELECT DISTINCT tenant_id FROM {} WHERE tenant_id IS NOT NULL", kStage)))
            values.push_back(r[0].c_str());
        for (const auto& r : tx.exec_params(
                 fmt::format("SELECT (SELECT t.id::text FROM {} t WHERE t.id::text = v OR t.tenancy_key = v OR t.slug = v "
                             "        ORDER BY t.id::text = v DESC, t.tenancy_key = v DESC NULLS LAST LIMIT 1) "
                             "FROM unnest($1::text[]) WITH ORDINALITY AS k(v, n) ORDER BY n",
                             tenants),
                 db::text_array(values)))
            ids.push_back(r[0].is_null() ? std::string() : r[0].c_str());
        tx.exec_params0(fmt::format("UPDATE {} s SET tenant_id = nullif(m.id, '') "
                                    "FROM unnest($1::text[], $2::text[]) AS m(v, id) WHERE s.tenant_id = m.v",
                                    kStage),
                        db::text_array(values), db::text_array(ids));
    }
    // The first event of the batch the log would refuse, or misread, and why.
    auto bad = tx.exec(fmt::format(
        "SELECT src_key, CASE "
        "  WHEN tenant_id IS NULL AND tenant_src IS NULL THEN 'names no tenant' "
        "  WHEN tenant_id IS NULL THEN 'names no known tenant (' || quote_literal(tenant_src) || ')' "
        "  WHEN occurred_at IS NULL AND occurred_src IS NULL THEN 'has no occurred_at' "
        "  WHEN occurred_at IS NULL THEN 'has occurred_at ' || quote_literal(left(occurred_src, 80)) || "
        "       ', which is not an ISO 8601 date and time' "
        "  WHEN NOT isfinite(occurred_at) THEN 'has occurred_at ' || occurred_at::text || ', which is not a point in time' "
        "  WHEN occurred_at < '{1}-01-01 00:00:00+00' OR occurred_at >= '{2}-01-01 00:00:00+00' THEN 'has occurred_at ' "
        "       || quote_literal(coalesce(occurred_src, occurred_at::text)) || ', outside the years {1} to {3}' "
        "  WHEN action IS NULL THEN 'has no action' "
        "  WHEN jsonb_typeof(metadata) <> 'object' THEN 'has metadata that is a JSON ' || jsonb_typeof(metadata) || "
        "       ', not an object' "
        "  ELSE 'has action ' || quote_literal(left(action, 80)) || "
        "       ', which is not lowercase words joined by dots (e.g. user.login)' END "
        "FROM {0} WHERE tenant_id IS NULL OR occurred_at IS NULL OR NOT isfinite(occurred_at) OR action IS NULL "
        "  OR occurred_at < '{1}-01-01 00:00:00+00' OR occurred_at >= '{2}-01-01 00:00:00+00' "
        "  OR jsonb_typeof(metadata) <> 'object' OR action !~ '^[a-z0-9_]+(\\.[a-z0-9_]+)*$' "
        "ORDER BY ord LIMIT 1",
        kStage, kFirstYear, kLastYear + 1, kLastYear));
    if (!bad.empty())
        throw Refused(fmt::format("{}: the event at {} {} {}", plan.src.label, plan.src.is_file ? "line" : "key",
                                  bad[0][0].c_str(), bad[0][1].c_str()),
                      kFixHint);
    // The months this batch needs.
    auto existing = partition_names(tx, ctx.schema());
    for (const auto& r : tx.exec(fmt::format(
             "SELECT DISTINCT extract(year FROM occurred_at AT TIME ZONE 'UTC')::int, "
             "extract(month FROM occurred_at AT TIME ZONE 'UTC')::int FROM {} ORDER BY 1, 2",
             kStage))) {
        const int y = r[0].as<int>(), mo = r[1].as<int>();
        const std::string name = partition_name(y, mo);
        if (existing.count(name)) continue;
        create_month_partition(tx, ctx.schema(), y, mo);
        b.months_created.push_back(name);
    }
    std::string cols = util::join(import_columns(), ", ");
    std::string select;
    for (const auto& c : import_columns()) {
        if (!select.empty()) select += ", ";
        if (c == "tenant_id")
            select += "tenant_id::uuid";
        else if (c == "actor_type")
            select += "coalesce(actor_type, 'user')";
        else if (c == "metadata")
            select += "coalesce(metadata, '{}'::jsonb)";
        else
            select += c;
    }
    auto ins = tx.exec(fmt::format("INSERT INTO {} ({}) SELECT {} FROM {} ORDER BY ord", ctx.platform_table("audit_log"),
                                   cols, select, kStage));
    b.rows = static_cast<std::int64_t>(ins.affected_rows());
    // Per tenant, the oldest event imported: sealing needs it.
    json& mins = job.counts["min"];
    if (!mins.is_object()) mins = json::object();
    for (const auto& r : tx.exec(fmt::format("SELECT tenant_id, to_char(min(occurred_at) AT TIME ZONE 'UTC', "
                                             "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
                                             "(extract(epoch FROM min(occurred_at)) * 1000000)::bigint FROM {} GROUP BY 1",
                                             kStage))) {
        const std::string t = r[0].c_str(), at = r[1].c_str();
        if (!mins.contains(t) || at < mins[t].get<std::string>()) mins[t] = at;
        b.oldest.emplace_back(t, r[2].as<std::int64_t>());
    }
    auto last = tx.exec(fmt::format("SELECT src_key FROM {} ORDER BY ord DESC LIMIT 1", kStage));
    if (!last.empty()) b.last_key = last[0][0].c_str();
    job.counts["events"] = job.counts.value("events", std::int64_t{0}) + b.rows;
    json months = job.counts.value("months", json::array());
    for (const auto& n : b.months_created) months.push_back(n);
    job.counts["months"] = months;
    return b;
}

// Cuts a tenant's chain back to where it starts, the genesis or its prune anchor: its sealed
// rows and checkpoints after that go, and the next seal recomputes them.
void cut_back_to_start(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id) {
    const auto start = tx.exec_params1(fmt::format("SELECT coalesce(max(seq), 0) FROM {} WHERE tenant_id = $1::uuid "
                                                   "AND kind = 'prune'",
                                                   ctx.platform_table("audit_seals")),
                                       tenant_id)[0]
                           .as<std::int64_t>();
    tx.exec_params0(fmt::format("DELETE FROM {} WHERE tenant_id = $1::uuid AND seq > $2", ctx.platform_table("audit_chain")),
                    tenant_id, start);
    tx.exec_params0(fmt::format("DELETE FROM {} WHERE tenant_id = $1::uuid AND seq > $2 AND kind = 'seal'",
                                ctx.platform_table("audit_seals")),
                    tenant_id, start);
}

// The chains this import reaches into, cut back in the batch's own transaction. An imported
// event older than a tenant's sealed head (or as old: chain order puts the newer id first)
// would read as "inserted" to verify, so in the same transaction that inserts it the tenant's
// chain is cut back to its start (the genesis or its prune anchor) and re-sealed later over
// old and imported events. Every committed state therefore verifies, also after a kill or a
// refused batch. Every chain was verified before the job's first batch, so a cut never absorbs
// tampering; the head it discards first is kept for the audit.import event.
class ChainCutter {
public:
    explicit ChainCutter(Context& ctx) : m_ctx(ctx) {}

    // `batch`: the batch's tenants and their oldest event in it (BatchOutcome::oldest).
    void cut_reached(pqxx::transaction_base& tx, Job& job, const std::vector<std::pair<std::string, std::int64_t>>& batch) {
        m_pending.clear();
        json rebased = job.cursor.value("rebased", json::array());
        json old_heads = job.cursor.value("old_heads", json::object());
        for (const auto& [tid, oldest_us] : batch) {
            std::optional<Head> head;
            if (auto known = m_heads.find(tid); known != m_heads.end()) {
                head = known->second;
            } else {
                // Once per tenant and run: the import holds the seal lock, so only its own cuts
                // move a head meanwhile.
                auto h = tx.exec_params(fmt::format("SELECT (extract(epoch FROM occurred_at) * 1000000)::bigint, "
                                                    "encode(hash, 'hex') FROM {} WHERE tenant_id = $1::uuid "
                                                    "ORDER BY seq DESC LIMIT 1",
                                                    m_ctx.platform_table("audit_chain")),
                                        tid);
                if (!h.empty()) head = Head{h[0][0].as<std::int64_t>(), h[0][1].c_str()};
                m_pending[tid] = head;
            }
            if (!head || head->occurred_us < oldest_us) continue;
            cut_back_to_start(m_ctx, tx, tid);
            if (!old_heads.contains(tid)) old_heads[tid] = head->hash_hex;
            if (std::find(rebased.begin(), rebased.end(), json(tid)) == rebased.end()) rebased.push_back(tid);
            m_pending[tid] = std::nullopt;  // nothing sealed after its start any more
        }
        job.cursor["rebased"] = rebased;
        job.cursor["old_heads"] = old_heads;
    }

    // The batch committed: what it learnt and cut holds from now on. (Not called for a batch
    // rolled back, a retried attempt or a dry run.)
    void committed() {
        for (auto& [tid, head] : m_pending) m_heads[tid] = std::move(head);
        m_pending.clear();
    }

private:
    struct Head {
        std::int64_t occurred_us;
        std::string hash_hex;
    };
    Context& m_ctx;
    std::map<std::string, std::optional<Head>> m_heads, m_pending;
};

// A batch failed on a value the server would not take (a cast, a constraint). Finds the first
// event of the batch that fails on its own, each tried on a savepoint in a transaction that is
// rolled back, and names it; rethrows the original error when none does.
[[noreturn]] void name_bad_event(Context& ctx, const Plan& plan, const Job& job, const FileBatch* file_batch,
                                 const std::optional<std::string>& after, std::int64_t rows) {
    const std::exception_ptr original = std::current_exception();
    {
        pqxx::work tx(ctx.db());
        tx.exec_params("SELECT set_config('TimeZone', $1, true)", plan.timezone);
        std::optional<std::string> cursor = after;
        for (std::int64_t i = 0; i < rows; ++i) {
            std::string where;
            try {
                pqxx::subtransaction sub(tx, "tenantctl_import_one");
                sub.exec0(std::string("TRUNCATE ") + kStage);
                if (file_batch) {
                    where = fmt::format("{}:{}", plan.src.path.string(), file_batch->line_numbers[i]);
                    FileBatch one{{file_batch->lines[i]}, {file_batch->line_numbers[i]}};
                    stage_file_batch(sub, plan, one);
                } else {
                    // The row's key first, read without converting anything: the conversion may
                    // be what fails.
                    const std::string key = db::quote_ident(plan.key);
                    auto k = cursor ? sub.exec_params(fmt::format("SELECT {0}::text FROM {1} WHERE {0} > $1 ORDER BY {0} "
                                                                  "LIMIT 1",
                                                                  key, plan.src.table),
                                                      *cursor)
                                    : sub.exec(fmt::format("SELECT {0}::text FROM {1} ORDER BY {0} LIMIT 1", key,
                                                           plan.src.table));
                    if (k.empty()) break;
                    where = fmt::format("{}: the event at key {}", plan.src.label, k[0][0].c_str());
                    stage_table_batch(sub, plan, cursor, 1);
                    cursor = k[0][0].c_str();
                }
                Job scratch = job;
                insert_stage(ctx, sub, plan, scratch);
                sub.abort();
            } catch (const pqxx::sql_error& e) {
                const std::string state = e.sqlstate();
                if (!state.starts_with("22") && !state.starts_with("23")) throw;
                if (where.empty()) throw;  // the table's own row could not be read: not one event's fault
                throw Refused(fmt::format("{}: {}", where, db::server_message(e.what())), kFixHint);
            }
        }
    }
    std::rethrow_exception(original);
}

bool bad_value(const pqxx::sql_error& e) {
    const std::string state = e.sqlstate();
    return state.starts_with("22") || state.starts_with("23");
}

// A file whose events another import (finished or not) has imported already, under another
// name: refused before the first batch of a new job. Two overlaps are found: this file starts
// with the bytes another job imported (a copy, a copy with lines added), or it is the start of
// what another job imported (its first lines cut out), while that job's file is still there.
void refuse_same_content(Context& ctx, const Plan& plan) {
    struct Other {
        std::string id, target, state, digest;  // digest: SHA-256 of its file's first `offset` bytes
        std::int64_t offset = 0;
    };
    std::vector<Other> others;
    {
        pqxx::read_transaction tx(ctx.db());
        for (const auto& r : tx.exec_params(
                 fmt::format("SELECT id::text, target, state, cursor::text FROM {} WHERE kind = $1 AND target LIKE "
                             "'file:%' AND target <> $2 AND state IN ('running', 'done')",
                             ctx.platform_table("jobs")),
                 kJobKind, plan.src.label)) {
            const json cursor = json::parse(r[3].c_str(), nullptr, false);
            if (!cursor.is_object()) continue;
            Other o{r[0].c_str(), r[1].c_str(), r[2].c_str(), cursor.value("prefix_sha256", std::string()),
                    cursor.value("offset", std::int64_t{0})};
            if (o.offset > 0 && !o.digest.empty()) others.push_back(std::move(o));
        }
    }
    std::error_code ec;
    const auto size = static_cast<std::int64_t>(fs::file_size(plan.src.path, ec));
    if (others.empty() || ec || size == 0) return;
    std::vector<std::int64_t> offsets;
    for (const auto& o : others) offsets.push_back(o.offset);
    const auto ours = file_prefix_digests(plan.src.path, offsets);
    for (const auto& o : others) {
        const std::string other_path = o.target.substr(5);
        const std::string file = plan.src.path.string();
        if (auto it = ours.find(o.offset); it != ours.end() && it->second == o.digest) {
            if (o.state == "done")
                throw Refused(fmt::format("{} starts with the {} bytes of {} imported already (job {})", file, o.offset,
                                          other_path, o.id),
                              "importing them again would duplicate their events");
            throw Refused(fmt::format("{} starts with what the unfinished import of {} (job {}) has imported", file,
                                      other_path, o.id),
                          fmt::format("resume that one: tenantctl audit import --from {}", util::in_quotes(other_path)));
        }
        if (size > o.offset) continue;
        // Is this file the start of what the other job imported? Only while its file is unchanged.
        std::map<std::int64_t, std::string> theirs;
        try {
            theirs = file_prefix_digests(other_path, {size, o.offset});
        } catch (const Error&) {
            continue;  // gone or unreadable: nothing to compare with
        }
        if (theirs.count(o.offset) && theirs.at(o.offset) == o.digest && theirs.count(size) &&
            theirs.at(size) == ours.at(-1))
            throw Refused(fmt::format("{} is the first {} bytes of {}, whose import (job {}) has imported them", file, size,
                                      other_path, o.id),
                          "importing it would duplicate their events");
    }
}

// Refused when a resumed job was started with other options: its first part would be imported
// one way and the rest another (other tenant, other columns).
void refuse_changed_options(const Plan& plan, const Job& job) {
    // Compared as unordered JSON: the stored copy comes back from jsonb with its keys reordered.
    const auto unordered = [](const json& j) { return nlohmann::json::parse(j.dump()); };
    const json started = job.cursor.value("options", json());
    if (started.is_null()) return;  // a job from before options were kept
    const auto before = unordered(started), now = unordered(plan.options());
    if (before == now) return;
    std::vector<std::string> differ;
    for (const char* k : {"map", "tenant_id", "key", "timezone"})
        if (before.value(k, nlohmann::json()) != now.value(k, nlohmann::json())) differ.push_back(k);
    throw Refused(fmt::format("import job {} of {} was started with other options ({} differ: it started with {})",
                              job.id, plan.src.label, util::join(differ, ", "), started.dump()),
                  "re-run it with the options it started with, to import the rest the same way");
}

// Tenants whose sealed range a job from before the per-batch cuts reached into: their chain is
// cut back to its start so that seal re-computes it over the imported events.
std::vector<std::string> rebase_chains(Context& ctx, Job& job) {
    std::vector<std::string> rebased;  // tenant ids
    const json mins = job.counts.value("min", json::object());
    json done = job.cursor.value("rebased", json::array());
    json old_heads = job.cursor.value("old_heads", json::object());
    for (auto it = mins.begin(); it != mins.end(); ++it) {
        const std::string tid = it.key();
        if (std::find(done.begin(), done.end(), json(tid)) != done.end()) continue;
        std::string head_at, head_hex;
        {
            pqxx::read_transaction tx(ctx.db());
            auto h = tx.exec_params(
                fmt::format("SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
                            "encode(hash, 'hex') FROM {} WHERE tenant_id = $1::uuid ORDER BY seq DESC LIMIT 1",
                            ctx.platform_table("audit_chain")),
                tid);
            if (h.empty()) continue;  // nothing sealed yet: seal covers the imported events
            head_at = h[0][0].c_str();
            head_hex = h[0][1].c_str();
        }
        if (it.value().get<std::string>() > head_at) continue;  // all imported events come after the head
        pqxx::work tx(ctx.db());  // (the caller holds the seal lock)
        cut_back_to_start(ctx, tx, tid);
        if (!old_heads.contains(tid)) old_heads[tid] = head_hex;
        done.push_back(tid);
        job.cursor["rebased"] = done;
        job.cursor["old_heads"] = old_heads;
        save_job(ctx, tx, job);
        tx.commit();
        rebased.push_back(tid);
    }
    return rebased;
}

std::string slug_of(Context& ctx, const std::string& tenant_id) {
    pqxx::read_transaction tx(ctx.db());
    auto r = tx.exec_params(fmt::format("SELECT slug FROM {} WHERE id::text = $1", ctx.platform_table("tenants")),
                            tenant_id);
    return r.empty() ? tenant_id : std::string(r[0][0].c_str());
}

// The job's error, for `jobs` listings: the job stays open, to be resumed.
void record_error(Context& ctx, const Job& job, const std::string& message) {
    if (job.id.empty() || ctx.dry_run()) return;
    try {
        pqxx::work tx(ctx.db());
        tx.exec_params0(fmt::format("UPDATE {} SET error = $2, updated_at = now() WHERE id = $1::uuid",
                                    ctx.platform_table("jobs")),
                        job.id, message);
        tx.commit();
    } catch (...) {
        // The connection may be what failed; the error itself is reported by the caller.
    }
}

}  // namespace

const std::vector<std::string>& import_columns() {
    static const std::vector<std::string> cols = {"tenant_id",   "occurred_at", "actor_type", "actor_id",
                                                  "action",      "resource_type", "resource_id", "request_id",
                                                  "ip",          "user_agent",  "metadata"};
    return cols;
}

std::pair<std::string, std::string> parse_import_mapping(const std::string& text) {
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
        throw UsageError("malformed --map " + util::in_quotes(text), "use COLUMN=SOURCE, e.g. occurred_at=created_at");
    std::string col = text.substr(0, eq), src = text.substr(eq + 1);
    if (!column_types().count(col))
        throw UsageError("--map: audit_log has no column " + util::in_quotes(col),
                         "columns: " + util::join(import_columns(), ", "));
    return {col, src};
}

ImportResult import_events(Context& ctx, const ImportOptions& o) {
    if (o.batch < 1 || o.batch > 1000000) throw UsageError("--batch must be between 1 and 1000000");
    ImportResult res;
    Job job;
    try {
        Plan plan;
        {
            pqxx::read_transaction tx(ctx.db());
            plan.src = resolve_import_source(ctx, tx, o.from);
            plan.key = o.key.value_or("id");
            plan.map = mapping(o, plan.src, plan.key);
            if (o.tenant_slug) plan.tenant_id = tenants::resolve(ctx, tx, *o.tenant_slug).id;
            plan.timezone = o.timezone;
            // A zone's name only: the server also takes POSIX offsets, whose sign is the reverse
            // of ISO 8601's ("+05:00" is five hours behind UTC), a ten-hour trap in a backfill.
            if (!tx.exec_params1("SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1)", plan.timezone)[0]
                     .as<bool>())
                throw UsageError(fmt::format("--timezone: {} is not the name of a time zone", util::in_quotes(plan.timezone)),
                                 "give a name from pg_timezone_names, e.g. UTC or Europe/Berlin (for a fixed offset, "
                                 "Etc/GMT-5 is UTC+5: POSIX signs are reversed)");
            if (!plan.src.is_file) check_import_key(tx, plan.src, plan.key);
        }
        res.source = plan.src.label;
        // Whole months are created as the import needs them: ensure and prune wait meanwhile.
        // Sealing waits too: a seal between two batches could seal a chain the next one cuts.
        auto partitions_lock = ctx.dry_run() ? nullptr : ctx.lock("audit-partitions");
        auto seal_lock = ctx.dry_run() ? nullptr : ctx.lock("audit-seal");
        auto import_lock = ctx.dry_run() ? nullptr : ctx.lock("audit-import:" + plan.src.label);

        {
            pqxx::read_transaction tx(ctx.db());
            auto r = tx.exec_params(fmt::format("SELECT id::text, cursor::text, counts::text, state FROM {} "
                                                "WHERE kind = $1 AND target = $2 AND state IN ('running', 'done') "
                                                "ORDER BY state = 'running' DESC, started_at DESC LIMIT 1",
                                                ctx.platform_table("jobs")),
                                    kJobKind, plan.src.label);
            if (!r.empty() && std::string(r[0][3].c_str()) == "done")
                throw Refused(fmt::format("{} was imported already (job {})", plan.src.label, r[0][0].c_str()),
                              "its events are in the log; importing it again would duplicate them");
            if (!r.empty()) {
                job = {r[0][0].c_str(), r[0][3].c_str(), json::parse(r[0][1].c_str()), json::parse(r[0][2].c_str())};
                res.resumed = true;
            }
        }
        if (res.resumed) {
            refuse_changed_options(plan, job);
            ctx.log().info(fmt::format("resuming import job {} after {} events", job.id,
                                       job.counts.value("events", std::int64_t{0})));
        } else {
            if (plan.src.is_file) refuse_same_content(ctx, plan);
            // Imported events older than a chain's head make that chain re-sealed over them, so
            // every sealed chain is proven intact first: a re-seal must never absorb tampering.
            VerifyOptions vo;
            for (const auto& v : verify(ctx, vo)) {
                if (v.status != "broken") continue;
                std::string hint = "run `tenantctl audit verify --all` and resolve it before importing";
                // An import stopped by an older tenantctl left its events unsealed inside sealed ranges.
                pqxx::read_transaction tx(ctx.db());
                auto open = tx.exec_params(fmt::format("SELECT id::text, target FROM {} WHERE kind = $1 AND state = "
                                                       "'running' ORDER BY started_at LIMIT 1",
                                                       ctx.platform_table("jobs")),
                                           kJobKind);
                if (!open.empty())
                    hint = fmt::format("the unfinished import job {} of {} may be why: resume it first", open[0][0].c_str(),
                                       open[0][1].c_str());
                throw IntegrityError(
                    fmt::format("the audit chain of {} is broken ({}); nothing was imported", v.tenant, v.problem), hint);
            }
            job.cursor = {{"options", plan.options()}};
            job.counts = {{"events", 0}};
            if (!ctx.dry_run()) {
                pqxx::work tx(ctx.db());
                job.id = tx.exec_params1(fmt::format("INSERT INTO {} (kind, target, actor, cursor, counts) "
                                                     "VALUES ($1, $2, $3, $4::jsonb, $5::jsonb) RETURNING id::text",
                                                     ctx.platform_table("jobs")),
                                         kJobKind, plan.src.label, ctx.actor(), job.cursor.dump(), job.counts.dump())[0]
                             .c_str();
                tx.commit();
            }
        }
        res.job_id = job.id;

        {
            pqxx::work tx(ctx.db());
            create_stage(tx);
            tx.commit();
        }
        std::optional<NdjsonReader> reader;
        if (plan.src.is_file) {
            reader.emplace(plan.src.path);
            const auto offset = job.cursor.value("offset", std::int64_t{0});
            const auto prefix = job.cursor.value("prefix_sha256", std::string());
            std::error_code ec;
            if (static_cast<std::int64_t>(fs::file_size(plan.src.path, ec)) < offset)
                throw Refused(fmt::format("{} is shorter than where the import stopped (byte {})", plan.src.label, offset),
                              "the file changed since the import started; restore it to resume");
            if (!reader->skip_to(offset, job.cursor.value("line", std::int64_t{0})) ||
                (!prefix.empty() && reader->prefix_sha256() != prefix))
                throw Refused(fmt::format("{} changed before byte {}, where the import stopped: its first part is not "
                                          "what was imported",
                                          plan.src.label, offset),
                              "restore the file as it was up to there (lines after it may be fixed), then re-run");
        }
        ChainCutter cutter(ctx);
        std::set<std::string> months_created;
        // Ctrl-C and SIGTERM stop between batches, the one in flight committed (exit 10).
        util::InterruptScope interrupts;
        const bool commit = !ctx.dry_run();
        while (job.cursor.value("phase", std::string("copy")) == "copy") {
            Job next = job;
            BatchOutcome b;
            FileBatch fb;
            std::string next_prefix;
            const auto after = job.cursor.contains("after") ? std::optional(job.cursor["after"].get<std::string>())
                                                             : std::nullopt;
            if (reader) {
                fb = reader->next_batch(o.batch);
                next_prefix = reader->prefix_sha256();
            }
            try {
                with_lock_retry(
                    ctx, "importing " + plan.src.label,
                    [&](pqxx::work& tx) {
                        next = job;
                        tx.exec_params("SELECT set_config('TimeZone', $1, true)", plan.timezone);
                        tx.exec0(std::string("TRUNCATE ") + kStage);
                        if (reader) {
                            if (!fb.lines.empty()) stage_file_batch(tx, plan, fb);
                        } else {
                            stage_table_batch(tx, plan, after, o.batch);
                        }
                        b = insert_stage(ctx, tx, plan, next);
                        cutter.cut_reached(tx, next, b.oldest);
                        if (reader) {
                            next.cursor["offset"] = reader->offset();
                            next.cursor["line"] = reader->line();
                            next.cursor["prefix_sha256"] = next_prefix;
                            if (reader->at_end()) {
                                next.cursor["phase"] = "seal";
                                next.cursor["file_sha256"] = next_prefix;
                            }
                        } else {
                            if (b.last_key) next.cursor["after"] = *b.last_key;
                            if (b.rows < o.batch) next.cursor["phase"] = "seal";
                        }
                        save_job(ctx, tx, next);
                        util::failpoint("import.before-commit");
                    },
                    commit);
                if (commit) cutter.committed();
            } catch (const pqxx::sql_error& e) {
                if (!bad_value(e)) throw;
                name_bad_event(ctx, plan, job, reader ? &fb : nullptr, after,
                               reader ? static_cast<std::int64_t>(fb.lines.size()) : o.batch);
            }
            job = std::move(next);
            res.imported += b.rows;
            for (auto& n : b.months_created) months_created.insert(std::move(n));
            if (ctx.progress_enabled() && b.rows > 0)
                ctx.log().info(fmt::format("{}: {} events imported", plan.src.label, job.counts.value("events", std::int64_t{0})));
            if (commit)
                util::stop_if_interrupted(fmt::format("importing {} events of {} (job {})",
                                                      job.counts.value("events", std::int64_t{0}), plan.src.label, job.id));
        }
        res.months_created.assign(months_created.begin(), months_created.end());
        res.total = job.counts.value("events", std::int64_t{0});
        partitions_lock.reset();

        if (ctx.dry_run()) {
            for (const auto& t : job.cursor.value("rebased", json::array())) res.resealed.push_back(slug_of(ctx, t));
            res.status = "would import";
            return res;
        }
        // Sealing: the chains the batches cut are sealed again, over old and imported events.
        rebase_chains(ctx, job);
        seal_lock.reset();
        for (const auto& t : job.cursor.value("rebased", json::array())) res.resealed.push_back(slug_of(ctx, t));
        if (o.seal) {
            const json mins = job.counts.value("min", json::object());
            for (auto it = mins.begin(); it != mins.end(); ++it) {
                SealOptions so;
                so.scope.tenant_slug = slug_of(ctx, it.key());
                so.settle = {};
                for (const auto& s : seal(ctx, so)) res.sealed += s.sealed;
            }
        }
        {
            json old_heads = json::object();
            const json heads_by_id = job.cursor.value("old_heads", json::object());
            for (const auto& [tid, hex] : heads_by_id.items()) old_heads[slug_of(ctx, tid)] = hex;
            pqxx::work tx(ctx.db());
            job.cursor["phase"] = "done";
            save_job(ctx, tx, job);
            tx.exec_params0(fmt::format("UPDATE {} SET state = 'done', finished_at = now() WHERE id = $1::uuid",
                                        ctx.platform_table("jobs")),
                            job.id);
            Event ev;
            ev.action = "audit.import";
            ev.resource_type = "audit_log";
            ev.resource_id = plan.src.label.substr(0, plan.src.label.find(':'));  // never the path: it may name people
            ev.metadata = {{"events", res.total},
                           {"job", job.id},
                           {"months_created", job.counts.value("months", json::array())},
                           {"resealed_old_heads", old_heads}};
            append(ctx, tx, ev);
            tx.commit();
        }
        res.status = "imported";
    } catch (const Error& e) {
        record_error(ctx, job, e.what());
        throw;
    } catch (...) {
        try {
            db::rethrow_translated("importing audit events");
        } catch (const Error& e) {
            record_error(ctx, job, e.what());
            throw;
        }
    }
    return res;
}

}  // namespace tenantctl::audit
