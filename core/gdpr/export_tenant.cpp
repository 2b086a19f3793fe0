#include "core/gdpr/export_tenant.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <future>

#include "core/audit/append.hpp"
#include "core/context.hpp"
#include "core/crypto/hash.hpp"
#include "core/db/connection.hpp"
#include "core/db/copy_text.hpp"
#include "core/gdpr/archive.hpp"
#include "core/gdpr/data_map.hpp"
#include "core/model/predicate_literal.hpp"
#include "core/model/row_access.hpp"
#include "core/gdpr/register.hpp"
#include "core/platform/migrations.hpp"
#include "core/tenants/lookup.hpp"
#include "core/util/strings.hpp"
#include "core/version.hpp"
#include "core/util/failpoint.hpp"
#include "core/util/progress.hpp"
#include "core/util/duration.hpp"

namespace tenantctl::gdpr {

namespace {

// NDJSON is rendered here from COPY's plain text format rather than by row_to_json() in the
// server: the server then only streams rows (its cheapest path, as for psql's \copy) and the
// JSON work runs on the client's core, in parallel with it.
enum class JsonKind { string, number, boolean, raw };

struct ColumnShape {
    std::string key;  // `"name":` (with a leading ',' for all but the first column)
    JsonKind kind = JsonKind::string;
};

// JSON is rendered on the client for types whose COPY text is a JSON value or a string;
// the server renders the others with to_jsonb (arrays as JSON arrays, composites as objects,
// ranges as strings, NaN/Infinity inside them as strings).
bool server_json(const model::Column& c) {
    return c.category == 'A' || c.category == 'C' || c.category == 'R';
}

std::vector<ColumnShape> column_shapes(const model::Relation& r) {
    std::vector<ColumnShape> out;
    for (const auto& c : r.columns) {
        ColumnShape shape;
        shape.key = (out.empty() ? "" : ",") + json(c.name).dump() + ":";
        // money's text ("$1,000.00", "-$5.00") is no JSON number: it goes out as a string.
        const bool number = c.category == 'N' && c.type_name != "money";
        shape.kind = server_json(c)                                  ? JsonKind::raw
                     : number                                        ? JsonKind::number
                     : c.category == 'B'                             ? JsonKind::boolean
                     : (c.type_name == "json" || c.type_name == "jsonb") ? JsonKind::raw
                                                                      : JsonKind::string;
        out.push_back(std::move(shape));
    }
    return out;
}

std::string ndjson_select(const model::Relation& r) {
    if (std::none_of(r.columns.begin(), r.columns.end(), server_json)) return "t.*";
    std::vector<std::string> parts;
    for (const auto& c : r.columns)
        parts.push_back(server_json(c) ? fmt::format("to_jsonb(t.{})", db::quote_ident(c.name))
                                       : "t." + db::quote_ident(c.name));
    return util::join(parts, ", ");
}

// Appends the JSON string literal of COPY-escaped text `field` to `out`.
void append_json_string(std::string& out, std::string_view field) {
    static const char* hex = "0123456789abcdef";
    out.push_back('"');
    for (std::size_t i = 0; i < field.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(field[i]);
        if (c == '\\' && i + 1 < field.size()) {
            char n = field[++i];
            switch (n) {
                case 'n': out += "\\n"; continue;
                case 'r': out += "\\r"; continue;
                case 't': out += "\\t"; continue;
                case 'b': out += "\\b"; continue;
                case 'f': out += "\\f"; continue;
                case 'v': out += "\\u000b"; continue;
                default: c = static_cast<unsigned char>(n); break;
            }
        }
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(static_cast<char>(c));
        } else if (c < 0x20) {
            out += "\\u00";
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        } else {
            out.push_back(static_cast<char>(c));
        }
    }
    out.push_back('"');
}

// One COPY text line (tab-separated, \N for NULL) to one JSON object line.
void copy_line_to_json(std::string_view line, const std::vector<ColumnShape>& shapes, std::string& out) {
    out.clear();
    out.push_back('{');
    std::size_t start = 0;
    for (std::size_t col = 0; col < shapes.size(); ++col) {
        std::size_t end = line.find('\t', start);
        if (end == std::string_view::npos) end = line.size();
        std::string_view field = line.substr(start, end - start);
        start = end + 1;
        const auto& shape = shapes[col];
        out += shape.key;
        if (field == "\\N") {
            out += "null";
        } else if (shape.kind == JsonKind::boolean) {
            out += field == "t" ? "true" : "false";
        } else if (shape.kind == JsonKind::number && !field.empty() &&
                   (field.front() == '-' || (field.front() >= '0' && field.front() <= '9')) &&
                   field != "-Infinity") {
            out += field;  // NaN and Infinity are not JSON numbers: they go out as strings below
        } else if (shape.kind == JsonKind::raw && field.find('\\') == std::string_view::npos) {
            out += field;
        } else if (shape.kind == JsonKind::raw) {
            std::string text(field);
            db::unescape_copy_text(text);
            out += text;
        } else {
            append_json_string(out, field);
        }
    }
    out += "}\n";
}

// Buffered writes to the spool with a running SHA-256 and byte count.
class Spool {
public:
    explicit Spool(int fd) : m_fd(fd) { m_buf.reserve(kFlushAt + 65536); }
    ~Spool() { ::close(m_fd); }
    void append(std::string_view s) {
        m_buf.append(s);
        if (m_buf.size() >= kFlushAt) flush();
    }
    void flush() {
        m_sha.update(m_buf);
        m_bytes += m_buf.size();
        const char* p = m_buf.data();
        std::size_t left = m_buf.size();
        while (left > 0) {
            ssize_t w = ::write(m_fd, p, left);
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) throw Error(Exit::runtime, fmt::format("writing the spool file failed: {}", std::strerror(errno)));
            p += w;
            left -= static_cast<std::size_t>(w);
        }
        m_buf.clear();
    }
    std::string finish() {
        flush();
        return m_sha.hex_final();
    }
    int fd() const { return m_fd; }
    std::uint64_t bytes() const { return m_bytes; }

private:
    static constexpr std::size_t kFlushAt = 1 << 20;
    int m_fd;
    std::string m_buf;
    crypto::Sha256Stream m_sha;
    std::uint64_t m_bytes = 0;
};

std::string csv_line_sql(const std::vector<std::string>& columns) {
    // Every value quoted (RFC 4180), NULL as an empty unquoted field.
    std::vector<std::string> parts;
    for (const auto& c : columns)
        parts.push_back(fmt::format("coalesce('\"' || replace(t.{}::text, '\"', '\"\"') || '\"', '')", db::quote_ident(c)));
    return "concat_ws(','," + util::join(parts, ",") + ")";
}

std::string csv_header(const std::vector<std::string>& columns) {
    std::vector<std::string> parts;
    for (const auto& c : columns) {
        std::string q = "\"";
        for (char ch : c) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
        parts.push_back(q + "\"");
    }
    return util::join(parts, ",") + "\n";
}

}  // namespace

TenantExportResult export_tenant(Context& ctx, const TenantExportOptions& o) {
    if (o.table_format != "ndjson" && o.table_format != "csv") throw UsageError("--table-format: expected ndjson or csv");
    platform::require_current(ctx);
    TenantExportResult result;
    result.request_id = o.request.value_or(new_request_id());
    result.path = o.output;
    ArchiveWriter archive(o.output, tar_format_for(o.output), o.force);
    // Spooled tables go next to the archive, or to the temporary directory when it streams.
    auto dir = is_stdout_target(o.output)   ? std::filesystem::temp_directory_path()
               : o.output.has_parent_path() ? o.output.parent_path()
                                            : std::filesystem::path(".");

    // One snapshot for every table: the files agree with each other.
    pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(ctx.db());
    auto tenant = tenants::resolve(ctx, tx, o.tenant);
    if (o.request) require_open_request(ctx, tx, tenant.id, *o.request, "export_all");
    // Every relation of the model: tenant tables, dependents, and the app's tenants table row.
    const auto data = load_model(ctx, tx, tenant);
    model::require_unfiltered(tx, data);
    model::enter_tenant(ctx, tx, tenant.tenancy_value);
    const auto& tables = data.relations();
    const std::string ext = o.table_format == "csv" ? "csv" : "ndjson";
    const std::string literal = tx.quote(tenant.tenancy_value);
    // Compressing table N into the archive overlaps with COPY of table N+1 (the tar entry
    // needs its size up front, so a table is spooled before it is archived).
    std::future<void> archiving;
    // The total for the ETA costs a count of every table: paid only when the line is shown
    // (a terminal), as purge and reencrypt do. Same snapshot, so it matches what is exported.
    long long total_rows = 0;
    if (ctx.progress_enabled())
        for (const auto& t : tables)
            total_rows += tx.exec_params1(fmt::format("SELECT count(*) FROM {} t WHERE {}", t.name.quoted(),
                                                      data.tenant_predicate(t, "t", 1)),
                                          tenant.tenancy_value)[0]
                              .as<long long>();
    util::ProgressLine progress(ctx.progress_enabled() ? &ctx.log().stream() : nullptr,
                                "exporting " + tenant.slug, total_rows);
    for (const auto& t : tables) {
        std::vector<std::string> columns;
        for (const auto& c : t.columns) columns.push_back(c.name);
        const bool csv = o.table_format == "csv";
        std::string select = csv ? csv_line_sql(columns) : ndjson_select(t);
        auto shapes = csv ? std::vector<ColumnShape>{} : column_shapes(t);
        std::string query = fmt::format("(SELECT {} FROM {} t WHERE {})", select, t.name.quoted(),
                                        model::with_literal(data.tenant_predicate(t, "t", 1), literal));
        auto spool_ptr = std::make_unique<Spool>(scratch_file(dir));
        Spool& spool = *spool_ptr;
        if (o.table_format == "csv") spool.append(csv_header(columns));
        long long rows = 0;
        {
            pqxx::stream_from copy(tx, query);
            std::string line, rendered;
            while (copy.get_raw_line(line)) {
                if (!line.empty() && line.back() == '\n') line.pop_back();
                if (csv) {
                    db::unescape_copy_text(line);
                    line.push_back('\n');
                    spool.append(line);
                } else {
                    copy_line_to_json(line, shapes, rendered);
                    spool.append(rendered);
                }
                if ((++rows & 0x3fff) == 0) progress.update(result.rows + rows);
            }
            copy.complete();
        }
        std::string sha = spool.finish();
        const std::uint64_t bytes = spool.bytes();
        std::string file = fmt::format("data/{}.{}", t.name.display(), ext);
        if (archiving.valid()) archiving.get();  // entries go in table order, one at a time
        archiving = std::async(std::launch::async, [&archive, file, bytes, sp = std::move(spool_ptr)] {
            archive.add_fd(file, sp->fd(), bytes);
        });
        result.tables.push_back({{"table", t.name.display()}, {"file", file}, {"rows", rows},
                                 {"bytes", bytes}, {"sha256", sha}});
        result.rows += rows;
        result.bytes += static_cast<long long>(bytes);
        progress.update(result.rows);
        util::failpoint("export.table");
    }
    if (archiving.valid()) archiving.get();
    tx.commit();
    json manifest = {{"request_id", result.request_id}, {"tenant", tenant.slug},  {"tenant_id", tenant.id},
                     {"generated_at", util::format_rfc3339(ctx.now())}, {"tool", fmt::format("tenantctl {}", version())},
                     {"table_format", o.table_format},      {"encrypted_columns", "exported as stored (Fernet tokens)"},
                     {"files", result.tables}};
    archive.add("manifest.json", manifest.dump(2));
    result.sha256 = archive.commit();

    pqxx::work w(ctx.db());
    RequestRecord rec;
    rec.tenant_id = tenant.id;
    rec.id = result.request_id;
    rec.kind = "export_all";
    rec.subject = "tenant:" + tenant.slug;
    rec.artifact_sha256 = result.sha256;
    rec.artifact = is_stdout_target(o.output) ? "(stdout)" : o.output.filename().string();
    result.request_id = record_request(ctx, w, rec, o.request);
    audit::append(ctx, w,
                  gdpr::request_event(tenant.id, "gdpr.export_all", result.request_id,
                   json{{"tables", static_cast<long long>(tables.size())}, {"rows", result.rows},
                        {"bytes", result.bytes}, {"sha256", result.sha256}, {"format", o.table_format}}));
    w.commit();
    return result;
}

}  // namespace tenantctl::gdpr
