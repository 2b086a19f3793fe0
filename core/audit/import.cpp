#include "core/audit/import.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "core/audit/append.hpp"
#include "core/audit/chain.hpp"
#include "core/audit/partitions.hpp"
#include "core/context.hpp"
#include "core/db/connection.hpp"
#include "core/db/errors.hpp"
#include "core/errors.hpp"
#include "core/records.hpp"
#include "core/tenants/lookup.hpp"
#include "core/util/strings.hpp"
#include "core/util/failpoint.hpp"

namespace tenantctl::audit {

namespace fs = std::filesystem;

namespace {

constexpr const char* kJobKind = "audit.import";
constexpr const char* kStage = "pg_temp.tenantctl_audit_import";

// SQL type of each importable column, in import_columns() order.
const std::map<std::string, std::string>& column_types() {
    static const std::map<std::string, std::string> types = {
        {"tenant_id", "text"},     {"occurred_at", "timestamptz"}, {"actor_type", "text"}, {"actor_id", "text"},
        {"action", "text"},        {"resource_type", "text"},      {"resource_id", "text"}, {"request_id", "text"},
        {"ip", "inet"},            {"user_agent", "text"},         {"metadata", "jsonb"}};
    return types;
}

struct Job {
    std::string id;
    json cursor = json::object();  // table: {"after": key text}; file: {"offset": n, "line": n}; {"phase": "seal"}
    json counts = json::object();  // {"events": n, "min": {tenant_id: oldest occurred_at}, "months": [...]}
};

void save_job(Context& ctx, pqxx::transaction_base& tx, const Job& job) {
    tx.exec_params0(fmt::format("UPDATE {} SET cursor = $2::jsonb, counts = $3::jsonb, updated_at = now(), "
                                "heartbeat_at = now() WHERE id = $1::uuid",
                                ctx.platform_table("jobs")),
                    job.id, job.cursor.dump(), job.counts.dump());
}

struct Source {
    bool is_file = false;
    std::string label;  // table:NAME | file:PATH
    std::string table;  // quoted, for a table source
    fs::path path;      // for a file source
    std::map<std::string, std::string> columns;  // table: source column name -> type
};

Source resolve_source(pqxx::transaction_base& tx, const ImportOptions& o) {
    Source s;
    std::error_code ec;
    const bool looks_like_path = o.from.find('/') != std::string::npos || o.from.ends_with(".ndjson") ||
                                 o.from.ends_with(".jsonl") || o.from.ends_with(".json");
    if (looks_like_path || fs::is_regular_file(o.from, ec)) {
        if (!fs::is_regular_file(o.from, ec))
            throw NotFound(fmt::format("no such file {}", util::in_quotes(o.from)), "--from takes a table or an NDJSON file");
        s.is_file = true;
        s.path = fs::absolute(o.from);
        s.label = "file:" + s.path.string();
        return s;
    }
    const auto dot = o.from.find('.');
    const std::string schema = dot == std::string::npos ? "public" : o.from.substr(0, dot);
    const std::string name = dot == std::string::npos ? o.from : o.from.substr(dot + 1);
    s.table = db::quote_qualified(schema, name);
    s.label = fmt::format("table:{}.{}", schema, name);
    auto cols = tx.exec_params("SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
                               "WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped",
                               s.table);
    if (cols.empty())
        throw NotFound(fmt::format("no table {} (and no file of that name)", util::in_quotes(o.from)),
                       "--from takes [schema.]table or the path of an NDJSON file");
    for (const auto& r : cols) s.columns[r[0].c_str()] = r[1].c_str();
    return s;
}

// audit_log column -> source column (table) or key (file); absent: not imported (default).
std::map<std::string, std::string> mapping(const ImportOptions& o, const Source& s) {
    std::map<std::string, std::string> m;
    for (const auto& c : import_columns()) {
        if (auto it = o.map.find(c); it != o.map.end())
            m[c] = it->second;
        else if (s.is_file || s.columns.count(c))
            m[c] = c;
    }
    if (o.tenant_slug) m.erase("tenant_id");
    if (!s.is_file) {
        for (const auto& [col, src] : m)
            if (!s.columns.count(src))
                throw UsageError(fmt::format("{} has no column {} (mapped to {})", s.label, util::in_quotes(src), col),
                                 "see --map COLUMN=SOURCE");
        if (!s.columns.count(o.key))
            throw UsageError(fmt::format("{} has no key column {}", s.label, util::in_quotes(o.key)),
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

void create_stage(pqxx::transaction_base& tx) {
    std::string cols = "ord bigint, src_key text";
    for (const auto& c : import_columns()) cols += fmt::format(", {} {}", c, column_types().at(c));
    tx.exec0(fmt::format("CREATE TEMP TABLE IF NOT EXISTS tenantctl_audit_import ({})", cols));
}

// One batch of a file source: the lines read, and where the next batch starts.
struct FileBatch {
    std::vector<std::string> lines;
    std::int64_t first_line = 0;
    std::int64_t next_offset = 0;
    std::int64_t next_line = 0;
};

FileBatch read_file_batch(std::ifstream& in, std::int64_t offset, std::int64_t line_no, std::int64_t batch) {
    FileBatch b;
    b.first_line = line_no;
    std::string line;
    while (static_cast<std::int64_t>(b.lines.size()) < batch && std::getline(in, line)) {
        offset += static_cast<std::int64_t>(line.size()) + (in.eof() ? 0 : 1);
        ++line_no;
        if (util::trim(line).empty()) {
            if (b.lines.empty()) b.first_line = line_no;
            continue;
        }
        b.lines.push_back(std::move(line));
    }
    b.next_offset = offset;
    b.next_line = line_no;
    return b;
}

std::optional<std::string> text_of(const json& v) {
    if (v.is_null()) return std::nullopt;
    if (v.is_string()) return v.get<std::string>();
    return v.dump();
}

// COPYs the lines of a batch into the stage. Keys mapped to no column go into metadata.
void stage_file_batch(pqxx::transaction_base& tx, const Source& s, const FileBatch& b,
                      const std::map<std::string, std::string>& m) {
    std::vector<std::string> names{"ord", "src_key"};
    for (const auto& c : import_columns()) names.push_back(c);
    std::set<std::string> mapped_keys;
    for (const auto& [col, key] : m) mapped_keys.insert(key);
    pqxx::stream_to out(tx, kStage, names);
    std::int64_t line_no = b.first_line, ord = 0;
    for (const auto& line : b.lines) {
        ++line_no;
        json obj = json::parse(line, nullptr, false);
        if (!obj.is_object())
            throw UsageError(fmt::format("{}:{}: not a JSON object", s.path.string(), line_no),
                             "an NDJSON file holds one JSON object per line");
        std::vector<std::optional<std::string>> v;
        json extra = json::object();
        for (auto it = obj.begin(); it != obj.end(); ++it)
            if (!mapped_keys.count(it.key())) extra[it.key()] = it.value();
        for (const auto& c : import_columns()) {
            auto k = m.find(c);
            json val = k != m.end() && obj.contains(k->second) ? obj[k->second] : json();
            if (c == "metadata" && !extra.empty()) {
                if (val.is_null()) val = json::object();
                if (!val.is_object())
                    throw UsageError(fmt::format("{}:{}: metadata is not a JSON object", s.path.string(), line_no));
                for (auto it = extra.begin(); it != extra.end(); ++it)
                    if (!val.contains(it.key())) val[it.key()] = it.value();
            }
            if (c == "metadata" && !val.is_null() && !val.is_object())
                throw UsageError(fmt::format("{}:{}: metadata is not a JSON object", s.path.string(), line_no));
            v.push_back(text_of(val));
        }
        ++ord;
        out << std::tuple_cat(std::make_tuple(ord, std::to_string(line_no)),
                              std::make_tuple(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10]));
    }
    out.complete();
}

// Stages the next batch of a table source after `after` (nullopt: from the start). Returns
// the rows staged.
std::int64_t stage_table_batch(pqxx::transaction_base& tx, const Source& s, const ImportOptions& o,
                               const std::map<std::string, std::string>& m, const std::optional<std::string>& after) {
    std::string select = fmt::format("row_number() OVER (ORDER BY {0}), {0}::text", db::quote_ident(o.key));
    std::string names = "ord, src_key";
    for (const auto& c : import_columns()) {
        names += ", " + c;
        auto k = m.find(c);
        select += k == m.end() ? ", NULL" : fmt::format(", {}::{}", db::quote_ident(k->second), column_types().at(c));
    }
    const std::string key = db::quote_ident(o.key);
    const std::string inner = after ? fmt::format("SELECT * FROM {} WHERE {} > $1 ORDER BY {} LIMIT {}", s.table, key,
                                                  key, o.batch)
                                    : fmt::format("SELECT * FROM {} WHERE $1::text IS NULL ORDER BY {} LIMIT {}",
                                                  s.table, key, o.batch);
    auto r = tx.exec_params(fmt::format("INSERT INTO {} ({}) SELECT {} FROM ({}) src", kStage, names, select, inner),
                            after);
    return static_cast<std::int64_t>(r.affected_rows());
}

struct BatchOutcome {
    std::int64_t rows = 0;
    std::vector<std::string> months_created;
    std::optional<std::string> last_key;
};

// Checks the staged batch, creates its months, inserts it and records the position: one
// transaction, so the position and the events commit together.
BatchOutcome insert_stage(Context& ctx, pqxx::transaction_base& tx, const Source& s,
                          const std::optional<std::string>& tenant_id, Job& job) {
    BatchOutcome b;
    const std::string tenants = ctx.platform_table("tenants");
    // Tenant values: the tenant's id, its tenancy key, or its slug (in that order).
    if (tenant_id) {
        tx.exec_params0(fmt::format("UPDATE {} SET tenant_id = $1", kStage), *tenant_id);
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
    auto bad = tx.exec(fmt::format("SELECT src_key, CASE WHEN tenant_id IS NULL THEN 'names no known tenant' "
                                   "WHEN occurred_at IS NULL THEN 'has no occurred_at' ELSE 'has no action' END "
                                   "FROM {} WHERE tenant_id IS NULL OR occurred_at IS NULL OR action IS NULL "
                                   "ORDER BY ord LIMIT 1",
                                   kStage));
    if (!bad.empty())
        throw Refused(fmt::format("{}: the event at {} {} {}", s.label, s.is_file ? "line" : "key", bad[0][0].c_str(),
                                  bad[0][1].c_str()),
                      "nothing of this batch was imported; fix the source or --map, then re-run to resume");
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
                                             "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM {} GROUP BY 1",
                                             kStage))) {
        const std::string t = r[0].c_str(), at = r[1].c_str();
        if (!mins.contains(t) || at < mins[t].get<std::string>()) mins[t] = at;
    }
    auto last = tx.exec(fmt::format("SELECT src_key FROM {} ORDER BY ord DESC LIMIT 1", kStage));
    if (!last.empty()) b.last_key = last[0][0].c_str();
    job.counts["events"] = job.counts.value("events", std::int64_t{0}) + b.rows;
    json months = job.counts.value("months", json::array());
    for (const auto& n : b.months_created) months.push_back(n);
    job.counts["months"] = months;
    return b;
}

// Tenants whose sealed range the import reaches into: their chain is verified, then cut back
// to its start so that seal re-computes it over the imported events.
std::vector<std::pair<std::string, std::string>> rebase_chains(Context& ctx, Job& job, json& old_heads) {
    std::vector<std::pair<std::string, std::string>> rebased;  // (tenant id, slug)
    const json mins = job.counts.value("min", json::object());
    json done = job.cursor.value("rebased", json::array());
    for (auto it = mins.begin(); it != mins.end(); ++it) {
        const std::string tid = it.key();
        if (std::find(done.begin(), done.end(), json(tid)) != done.end()) continue;
        std::string slug, head_at, head_hex;
        {
            pqxx::read_transaction tx(ctx.db());
            slug = tx.exec_params1(fmt::format("SELECT slug FROM {} WHERE id = $1::uuid", ctx.platform_table("tenants")),
                                   tid)[0]
                       .c_str();
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
        // Every chain was verified before the first batch (import_events). A sealed event
        // changed while the import runs would be absorbed by this re-seal: the old head is
        // kept in the import's audit event, so `audit verify` against it still shows it.
        auto lock = ctx.lock("audit-seal");
        pqxx::work tx(ctx.db());
        auto start = tx.exec_params1(fmt::format("SELECT coalesce(max(seq), 0) FROM {} WHERE tenant_id = $1::uuid AND "
                                                 "kind = 'prune'",
                                                 ctx.platform_table("audit_seals")),
                                     tid)[0]
                         .as<std::int64_t>();
        tx.exec_params0(fmt::format("DELETE FROM {} WHERE tenant_id = $1::uuid AND seq > $2",
                                    ctx.platform_table("audit_chain")),
                        tid, start);
        tx.exec_params0(fmt::format("DELETE FROM {} WHERE tenant_id = $1::uuid AND seq > $2 AND kind = 'seal'",
                                    ctx.platform_table("audit_seals")),
                        tid, start);
        old_heads[slug] = head_hex;
        done.push_back(tid);
        job.cursor["rebased"] = done;
        job.cursor["old_heads"] = old_heads;
        save_job(ctx, tx, job);
        tx.commit();
        rebased.emplace_back(tid, slug);
    }
    return rebased;
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
    try {
        Source src;
        std::map<std::string, std::string> m;
        std::optional<std::string> tenant_id;
        {
            pqxx::read_transaction tx(ctx.db());
            src = resolve_source(tx, o);
            m = mapping(o, src);
            if (o.tenant_slug) tenant_id = tenants::resolve(ctx, tx, *o.tenant_slug).id;
        }
        res.source = src.label;
        // Whole months are created as the import needs them: ensure and prune wait meanwhile.
        auto partitions_lock = ctx.dry_run() ? nullptr : ctx.lock("audit-partitions");
        auto import_lock = ctx.dry_run() ? nullptr : ctx.lock("audit-import:" + src.label);

        Job job;
        {
            pqxx::read_transaction tx(ctx.db());
            auto r = tx.exec_params(fmt::format("SELECT id::text, cursor::text, counts::text, state FROM {} "
                                                "WHERE kind = $1 AND target = $2 AND state IN ('running', 'done') "
                                                "ORDER BY state = 'running' DESC, started_at DESC LIMIT 1",
                                                ctx.platform_table("jobs")),
                                    kJobKind, src.label);
            if (!r.empty() && std::string(r[0][3].c_str()) == "done")
                throw Refused(fmt::format("{} was imported already (job {})", src.label, r[0][0].c_str()),
                              "its events are in the log; importing it again would duplicate them");
            if (!r.empty()) {
                job = {r[0][0].c_str(), json::parse(r[0][1].c_str()), json::parse(r[0][2].c_str())};
                res.resumed = true;
            }
        }

        if (ctx.dry_run()) {
            res.status = "would import";
            pqxx::read_transaction tx(ctx.db());
            if (src.is_file) {
                std::ifstream in(src.path);
                in.seekg(job.cursor.value("offset", std::int64_t{0}));
                std::string line;
                while (std::getline(in, line))
                    if (!util::trim(line).empty()) ++res.imported;
            } else {
                const auto after = job.cursor.contains("after") ? std::optional(job.cursor["after"].get<std::string>())
                                                                 : std::nullopt;
                res.imported = (after ? tx.exec_params1(fmt::format("SELECT count(*) FROM {} WHERE {} > $1", src.table,
                                                                    db::quote_ident(o.key)),
                                                        *after)
                                      : tx.exec1("SELECT count(*) FROM " + src.table))[0]
                                   .as<std::int64_t>();
            }
            res.total = job.counts.value("events", std::int64_t{0}) + res.imported;
            return res;
        }

        if (job.id.empty()) {
            // Imported events older than a chain's head make that chain re-sealed over them, so
            // every sealed chain is proven intact first: a re-seal must never absorb tampering.
            VerifyOptions vo;
            for (const auto& v : verify(ctx, vo))
                if (v.status == "broken")
                    throw IntegrityError(fmt::format("the audit chain of {} is broken ({}); nothing was imported",
                                                     v.tenant, v.problem),
                                         "run `tenantctl audit verify --all` and resolve it before importing");
            pqxx::work tx(ctx.db());
            job.id = tx.exec_params1(fmt::format("INSERT INTO {} (kind, target, actor, cursor, counts) "
                                                 "VALUES ($1, $2, $3, '{{}}', '{{\"events\": 0}}') RETURNING id::text",
                                                 ctx.platform_table("jobs")),
                                     kJobKind, src.label, ctx.actor())[0]
                         .c_str();
            job.counts = {{"events", 0}};
            tx.commit();
        } else {
            ctx.log().info(fmt::format("resuming import job {} after {} events", job.id,
                                       job.counts.value("events", std::int64_t{0})));
        }
        res.job_id = job.id;

        {
            pqxx::work tx(ctx.db());
            create_stage(tx);
            tx.commit();
        }
        std::ifstream in;
        if (src.is_file) {
            in.open(src.path, std::ios::binary);
            const auto offset = job.cursor.value("offset", std::int64_t{0});
            if (!in || static_cast<std::int64_t>(fs::file_size(src.path)) < offset)
                throw Refused(fmt::format("{} is shorter than where the import stopped (byte {})", src.label, offset),
                              "the file changed since the import started; restore it to resume");
            in.seekg(offset);
        }
        while (job.cursor.value("phase", std::string("copy")) == "copy") {
            Job next = job;
            BatchOutcome b;
            if (src.is_file) {
                const auto fb = read_file_batch(in, job.cursor.value("offset", std::int64_t{0}),
                                                job.cursor.value("line", std::int64_t{0}), o.batch);
                with_lock_retry(ctx, "importing " + src.label, [&](pqxx::work& tx) {
                    next = job;
                    tx.exec0(std::string("TRUNCATE ") + kStage);
                    if (!fb.lines.empty()) stage_file_batch(tx, src, fb, m);
                    b = insert_stage(ctx, tx, src, tenant_id, next);
                    next.cursor["offset"] = fb.next_offset;
                    next.cursor["line"] = fb.next_line;
                    if (fb.lines.empty()) next.cursor["phase"] = "seal";
                    save_job(ctx, tx, next);
                    util::failpoint("import.before-commit");
                });
            } else {
                const auto after = job.cursor.contains("after") ? std::optional(job.cursor["after"].get<std::string>())
                                                                 : std::nullopt;
                with_lock_retry(ctx, "importing " + src.label, [&](pqxx::work& tx) {
                    next = job;
                    tx.exec0(std::string("TRUNCATE ") + kStage);
                    stage_table_batch(tx, src, o, m, after);
                    b = insert_stage(ctx, tx, src, tenant_id, next);
                    if (b.last_key) next.cursor["after"] = *b.last_key;
                    if (b.rows < o.batch) next.cursor["phase"] = "seal";
                    save_job(ctx, tx, next);
                    util::failpoint("import.before-commit");
                });
            }
            job = std::move(next);
            res.imported += b.rows;
            for (auto& n : b.months_created) res.months_created.push_back(std::move(n));
            if (ctx.progress_enabled() && b.rows > 0)
                ctx.log().info(fmt::format("{}: {} events imported", src.label, job.counts.value("events", std::int64_t{0})));
        }
        res.total = job.counts.value("events", std::int64_t{0});
        partitions_lock.reset();

        // Sealing: chains the import reaches into are verified and cut back, then sealed.
        json old_heads = job.cursor.value("old_heads", json::object());
        for (const auto& [tid, slug] : rebase_chains(ctx, job, old_heads)) res.resealed.push_back(slug);
        if (o.seal) {
            const json mins = job.counts.value("min", json::object());
            for (auto it = mins.begin(); it != mins.end(); ++it) {
                std::string slug;
                {
                    pqxx::read_transaction tx(ctx.db());
                    slug = tx.exec_params1(fmt::format("SELECT slug FROM {} WHERE id = $1::uuid",
                                                       ctx.platform_table("tenants")),
                                           it.key())[0]
                               .c_str();
                }
                SealOptions so;
                so.scope.tenant_slug = slug;
                so.settle = {};
                for (const auto& s : seal(ctx, so)) res.sealed += s.sealed;
            }
        }
        {
            pqxx::work tx(ctx.db());
            job.cursor["phase"] = "done";
            save_job(ctx, tx, job);
            tx.exec_params0(fmt::format("UPDATE {} SET state = 'done', finished_at = now() WHERE id = $1::uuid",
                                        ctx.platform_table("jobs")),
                            job.id);
            Event ev;
            ev.action = "audit.import";
            ev.resource_type = "audit_log";
            ev.resource_id = src.label.substr(0, src.label.find(':'));  // never the path: it may name people
            ev.metadata = {{"events", res.total},
                           {"job", job.id},
                           {"months_created", job.counts.value("months", json::array())},
                           {"resealed_old_heads", old_heads}};
            append(ctx, tx, ev);
            tx.commit();
        }
        res.status = "imported";
    } catch (const Error&) {
        throw;
    } catch (...) {
        db::rethrow_translated("importing audit events");
    }
    return res;
}

}  // namespace tenantctl::audit
