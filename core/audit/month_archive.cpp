#include "core/audit/month_archive.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "core/audit/append.hpp"
#include "core/context.hpp"
#include "core/crypto/hash.hpp"
#include "core/db/copy_text.hpp"
#include "core/db/row_json.hpp"
#include "core/errors.hpp"
#include "core/util/atomic_file.hpp"
#include "core/util/thread_priority.hpp"

namespace tenantctl::audit {

namespace fs = std::filesystem;

namespace {

struct ArchiveSink {
    int fd = -1;
    crypto::Sha256Stream sha;
    bool failed = false;
};

la_ssize_t archive_write_cb(struct archive*, void* data, const void* buffer, size_t length) {
    auto* s = static_cast<ArchiveSink*>(data);
    const char* p = static_cast<const char*>(buffer);
    size_t left = length;
    while (left > 0) {
        ssize_t n = ::write(s->fd, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            s->failed = true;
            return -1;
        }
        p += n;
        left -= static_cast<size_t>(n);
    }
    s->sha.update(std::string_view(static_cast<const char*>(buffer), length));
    return static_cast<la_ssize_t>(length);
}

// The first free archive name of a month: NAME.ndjson.gz, then NAME.2.ndjson.gz, ... A month
// can be archived more than once (late events for a pruned month, a re-run after a kill): an
// existing archive is never replaced.
// Any entry takes a name, a dangling symbolic link too (exists() follows links, and a rename
// that then found the name taken tried the same one again, for ever). `k` is where to start
// and, on return, the number taken.
std::string free_archive_stem(const fs::path& dir, const std::string& name, int& k) {
    const auto taken = [](const fs::path& p) {
        std::error_code ec;
        return fs::symlink_status(p, ec).type() != fs::file_type::not_found;
    };
    for (;; ++k) {
        std::string stem = k == 1 ? name : fmt::format("{}.{}", name, k);
        if (!taken(dir / (stem + ".ndjson.gz")) && !taken(dir / (stem + ".ndjson.gz.sha256"))) return stem;
    }
}

// One .ndjson.gz file being written: gzip (level 1: the archive is written while the
// application appends, and CPU is what they share) through libarchive, hashed as written.
// Compression runs on a thread of its own, so that it overlaps reading the rows (on one
// thread the server waited for the compressor, and the compressor for the server), at a
// lower priority than the application's work on a busy machine.
class GzipFile {
public:
    GzipFile(const fs::path& path, const std::string& entry_name) {
        m_sink.fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (m_sink.fd < 0)
            throw Refused(fmt::format("cannot create {}: {}", path.string(), std::strerror(errno)), "nothing was dropped");
        m_ar = archive_write_new();
        archive_write_add_filter_gzip(m_ar);
        archive_write_set_format_raw(m_ar);
        archive_write_set_options(m_ar, "gzip:compression-level=1");
        archive_write_set_bytes_in_last_block(m_ar, 1);
        archive_write_open(m_ar, &m_sink, nullptr, archive_write_cb, nullptr);
        struct archive_entry* entry = archive_entry_new();
        archive_entry_set_pathname(entry, entry_name.c_str());
        archive_entry_set_filetype(entry, AE_IFREG);
        archive_write_header(m_ar, entry);
        archive_entry_free(entry);
        m_compressor = std::thread([this] {
            util::lower_this_thread_priority();
            compress();
        });
    }
    ~GzipFile() {
        stop_compressor(true);
        if (m_ar) archive_write_free(m_ar);
        if (m_sink.fd >= 0) ::close(m_sink.fd);
    }
    GzipFile(const GzipFile&) = delete;
    GzipFile& operator=(const GzipFile&) = delete;

    // Hands `data` to the compressor and leaves `data` empty (its capacity recycled). Waits
    // while two buffers are queued, so memory stays at a few buffers whatever the table size.
    void write(std::string& data) {
        std::string next;
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_space.wait(lock, [&] { return m_queue.size() < 2; });
            m_queue.push_back(std::move(data));
            if (!m_spare.empty()) {
                next = std::move(m_spare.back());
                m_spare.pop_back();
            }
        }
        m_ready.notify_one();
        next.clear();
        data = std::move(next);
    }
    // Finishes and fsyncs the file; its SHA-256, or nullopt when anything failed.
    std::optional<std::string> finish() {
        stop_compressor();
        const bool closed = archive_write_close(m_ar) == ARCHIVE_OK;
        archive_write_free(m_ar);
        m_ar = nullptr;
        const bool synced = ::fsync(m_sink.fd) == 0;
        ::close(m_sink.fd);
        m_sink.fd = -1;
        if (!closed || m_sink.failed || !synced) return std::nullopt;
        return m_sink.sha.hex_final();
    }

private:
    void compress() {
        for (;;) {
            std::string data;
            {
                std::unique_lock<std::mutex> lock(m_mutex);
                m_ready.wait(lock, [&] { return !m_queue.empty() || m_closing; });
                if (m_queue.empty()) return;  // closing, and everything queued is written
                data = std::move(m_queue.front());
                m_queue.pop_front();
            }
            m_space.notify_one();
            if (!m_sink.failed && archive_write_data(m_ar, data.data(), data.size()) < 0) m_sink.failed = true;
            std::lock_guard<std::mutex> lock(m_mutex);
            m_spare.push_back(std::move(data));
        }
    }
    // `drop_queued`: the file is abandoned (an error, or the server encodes after all).
    void stop_compressor(bool drop_queued = false) {
        if (!m_compressor.joinable()) return;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            if (drop_queued) m_queue.clear();
            m_closing = true;
        }
        m_ready.notify_one();
        m_compressor.join();
    }

    ArchiveSink m_sink;  // written by the compressor only, read after it has stopped
    struct archive* m_ar = nullptr;
    std::mutex m_mutex;
    std::condition_variable m_ready, m_space;
    std::deque<std::string> m_queue, m_spare;
    bool m_closing = false;
    std::thread m_compressor;
};

// The client-side NDJSON encoder of a partition: its columns, named and typed, and where its
// bigint `id` is (the fingerprint is counted from the streamed rows).
struct ClientEncoder {
    db::RowJsonEncoder encoder;
    std::size_t id_column;
};

// Nullopt when a column is written by row_to_json in a way the encoder does not reproduce
// (the server then encodes). A generated column is left to the server too: COPY skips it.
std::optional<ClientEncoder> client_encoder(pqxx::transaction_base& tx, const std::string& table) {
    std::vector<db::RowJsonEncoder::Column> columns;
    std::optional<std::size_t> id_column;
    for (const auto& r : tx.exec_params(
             "SELECT a.attname, t.typname, t.typnamespace = 'pg_catalog'::regnamespace AND a.attgenerated = '' "
             "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
             "WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
             table)) {
        auto kind = r[2].as<bool>() ? db::json_kind_of(r[1].c_str()) : std::nullopt;
        if (!kind) return std::nullopt;
        if (std::string_view(r[0].c_str()) == "id" && std::string_view(r[1].c_str()) == "int8") id_column = columns.size();
        columns.push_back({r[0].c_str(), *kind});
    }
    if (!id_column) return std::nullopt;
    return ClientEncoder{db::RowJsonEncoder(columns), *id_column};
}

// count(*) and sum(id) of the rows streamed, as `fingerprint` computes them in SQL.
struct Tally {
    std::int64_t rows = 0;
    __int128 id_sum = 0;

    bool add(std::string_view id) {
        std::int64_t v = 0;
        const auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), v);
        if (ec != std::errc() || end != id.data() + id.size()) return false;
        ++rows;
        id_sum += v;
        return true;
    }
    MonthFingerprint fingerprint() const {
        // Decimal digits of a signed 128-bit sum (numeric's text for an integer).
        unsigned __int128 magnitude = id_sum < 0 ? -static_cast<unsigned __int128>(id_sum)
                                                 : static_cast<unsigned __int128>(id_sum);
        std::string digits;
        do {
            digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(magnitude % 10)));
            magnitude /= 10;
        } while (magnitude != 0);
        if (id_sum < 0) digits.insert(digits.begin(), '-');
        return {rows, digits};
    }
};

// Feeds the partition's rows as NDJSON to `file`, a megabyte at a time, in the table's
// physical order (an ORDER BY would sort a whole month on the server, spilling to disk, to
// no reader's benefit). With an encoder the rows come as plain COPY text, the client writes
// the JSON and tallies the rows; false when a value is not in a form the encoder knows.
bool stream_ndjson(pqxx::transaction_base& tx, const std::string& table, const ClientEncoder* encoder,
                   GzipFile& file, Tally& tally) {
    std::string buffer;
    auto flush_if_full = [&] {
        if (buffer.size() < (1 << 20)) return;
        file.write(buffer);
    };
    std::string line;
    if (encoder) {
        pqxx::stream_from rows(tx, table);
        std::vector<std::optional<std::string_view>> fields;
        bool missed = false;
        while (rows.get_raw_line(line)) {
            if (missed) continue;  // drained, so the connection stays usable for the server's turn
            if (!db::split_copy_line(line, encoder->encoder.columns(), fields) || !fields[encoder->id_column] ||
                !tally.add(*fields[encoder->id_column]) || !encoder->encoder.append(fields, buffer)) {
                missed = true;
                continue;
            }
            flush_if_full();
        }
        if (missed) return false;
    } else {
        pqxx::stream_from rows(tx, "(SELECT row_to_json(p)::text FROM " + table + " p)");
        while (rows.get_raw_line(line)) {
            if (!line.empty() && line.back() == '\n') line.pop_back();
            db::unescape_copy_text(line);
            buffer += line;
            buffer += '\n';
            flush_if_full();
        }
    }
    if (!buffer.empty()) file.write(buffer);
    return true;
}

}  // namespace

MonthFingerprint month_fingerprint(pqxx::transaction_base& tx, const std::string& table) {
    auto r = tx.exec1("SELECT count(*), coalesce(sum(id), 0)::text FROM " + table);
    return {r[0].as<std::int64_t>(), r[1].c_str()};
}

void check_archive_dir_writable(const fs::path& dir) {
    const fs::path probe = dir / fmt::format(".tenantctl-probe-{}", ::getpid());
    int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        throw Refused(fmt::format("archive directory {} is not writable: {}", dir.string(), std::strerror(errno)),
                      "nothing was dropped; fix the directory or pass another --archive");
    ::close(fd);
    ::unlink(probe.c_str());
}

// Streams the partition as NDJSON.gz, one row_to_json object per line; fsyncs it and its
// .sha256 file.
MonthArchive write_month_archive(Context& ctx, pqxx::connection& conn, const std::string& table,
                                 const std::string& name, const fs::path& dir) {
    MonthArchive a;
    const fs::path part = dir / (name + ".ndjson.gz.part");
    pqxx::transaction<pqxx::isolation_level::repeatable_read, pqxx::read_only> tx(conn);
    // Times in UTC, so an archive reads the same whatever the server's zone (and so that the
    // client encoder writes what row_to_json would).
    tx.exec0("SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'");
    const auto encoder = client_encoder(tx, table);
    std::optional<std::string> sha;
    for (const ClientEncoder* enc : {encoder ? &*encoder : nullptr, static_cast<const ClientEncoder*>(nullptr)}) {
        GzipFile file(part, name + ".ndjson");
        Tally tally;
        if (!stream_ndjson(tx, table, enc, file, tally)) {
            ctx.log().debug(fmt::format("{}: a value the client does not encode; the server writes the JSON", name));
            continue;  // the same snapshot again, encoded by the server
        }
        // What was archived is what the month held in this snapshot; the drop checks it again.
        a.fp = enc ? tally.fingerprint() : month_fingerprint(tx, table);
        sha = file.finish();
        if (!sha) {
            // A full disk, a quota: the archive cannot be written, so nothing is dropped (exit 5,
            // as for a directory that cannot be written), and the partial file goes.
            const std::string why = std::strerror(errno);
            ::unlink(part.c_str());
            throw Refused(fmt::format("writing {} failed: {}", part.string(), why), "nothing was dropped");
        }
        break;
    }
    tx.commit();
    a.sha256 = *sha;
    // Published without ever replacing a file (plain rename would): RENAME_NOREPLACE, or
    // link() where the file system has no such rename (NFS). If the name was taken
    // meanwhile, take the next one.
    for (int k = 1;; ++k) {
        const std::string stem = free_archive_stem(dir, name, k);
        a.path = dir / (stem + ".ndjson.gz");
        if (::renameat2(AT_FDCWD, part.c_str(), AT_FDCWD, a.path.c_str(), RENAME_NOREPLACE) == 0) break;
        if (errno == EINVAL || errno == ENOSYS) {
            if (::link(part.c_str(), a.path.c_str()) == 0) {
                ::unlink(part.c_str());
                break;
            }
        }
        if (errno != EEXIST)
            throw Refused(fmt::format("cannot create {}: {}", a.path.string(), std::strerror(errno)),
                          "nothing was dropped");
    }
    util::write_file_atomic(dir / (a.path.filename().string() + ".sha256"),
                            a.sha256 + "  " + a.path.filename().string() + "\n", 0600);
    util::fsync_directory(dir);
    return a;
}

// Reads the archive back: the file's SHA-256 and its number of lines must match.
void verify_month_archive(const MonthArchive& a) {
    crypto::Sha256Stream sha;
    {
        std::ifstream in(a.path, std::ios::binary);
        std::string chunk(1 << 16, '\0');
        while (in) {
            in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
            sha.update(std::string_view(chunk.data(), static_cast<std::size_t>(in.gcount())));
        }
    }
    std::int64_t lines = 0;
    struct archive* ar = archive_read_new();
    archive_read_support_filter_gzip(ar);
    archive_read_support_format_raw(ar);
    archive_read_support_format_empty(ar);  // the archive of a month without events
    struct archive_entry* entry = nullptr;
    bool ok = archive_read_open_filename(ar, a.path.c_str(), 1 << 16) == ARCHIVE_OK;
    const int header = ok ? archive_read_next_header(ar, &entry) : ARCHIVE_FATAL;
    ok = header == ARCHIVE_OK || (header == ARCHIVE_EOF && a.fp.rows == 0);
    if (ok && header == ARCHIVE_OK) {
        char buffer[1 << 16];
        la_ssize_t n;
        while ((n = archive_read_data(ar, buffer, sizeof buffer)) > 0)
            lines += std::count(buffer, buffer + n, '\n');
        ok = n == 0;
    }
    archive_read_free(ar);
    if (!ok || sha.hex_final() != a.sha256 || lines != a.fp.rows)
        throw IntegrityError(fmt::format("archive {} does not read back as written", a.path.string()),
                             "nothing was dropped; check the disk and re-run");
}

std::vector<ArchivedMonth> archived_months(Context& ctx, pqxx::transaction_base& tx) {
    std::map<std::string, std::set<std::string>> months;  // partition -> files
    // Platform events lead the log's index with the nil tenant: this reads only them.
    for (const auto& row : tx.exec_params(
             fmt::format("SELECT resource_id, metadata->>'archive' FROM {} WHERE tenant_id = $1::uuid "
                         "AND action = 'audit.partition.prune' AND metadata->>'archived' = 'true'",
                         ctx.platform_table("audit_log")),
             kPlatformTenant)) {
        auto& files = months[row[0].c_str()];
        if (!row[1].is_null()) files.insert(row[1].c_str());
    }
    if (const auto& dir = ctx.config().audit.archive_dir) {
        std::error_code ec;
        for (fs::directory_iterator it(*dir, ec), end; !ec && it != end; it.increment(ec)) {
            const std::string name = it->path().filename().string();
            // NAME.ndjson.gz or NAME.K.ndjson.gz (free_archive_stem); a .part is not an archive.
            constexpr std::string_view kSuffix = ".ndjson.gz";
            if (name.size() <= kSuffix.size() || !name.ends_with(kSuffix)) continue;
            months[name.substr(0, name.find('.'))].insert(it->path().string());
        }
    }
    std::vector<ArchivedMonth> out;
    for (auto& [partition, files] : months) out.push_back({partition, {files.begin(), files.end()}});
    return out;
}

}  // namespace tenantctl::audit
