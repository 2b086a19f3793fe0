// The archive `audit partitions prune` writes of a month before it drops it:
// `<partition>.ndjson.gz` (one row_to_json object per event, mode 0600) and its `.sha256`
// (sha256sum -c format), both fsynced, never replacing an existing archive.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <pqxx/pqxx>

namespace tenantctl {
class Context;
}

namespace tenantctl::audit {

// What a month held: count(*) and sum(id). The drop re-reads it under lock, so a month that
// gained, lost or changed an event since it was archived is not dropped.
struct MonthFingerprint {
    std::int64_t rows = 0;
    std::string id_sum = "0";
    bool operator==(const MonthFingerprint&) const = default;
};

MonthFingerprint month_fingerprint(pqxx::transaction_base& tx, const std::string& table);

struct MonthArchive {
    std::filesystem::path path;
    std::string sha256;
    MonthFingerprint fp;  // of the rows written, in the snapshot they were read in
};

// Refused when `dir` cannot take a new file.
void check_archive_dir_writable(const std::filesystem::path& dir);

// Streams `table` (quoted, qualified) into a new archive of month `name` in `dir`, in one
// snapshot on `conn` (used for nothing else meanwhile), and publishes it under the first free
// name (NAME, NAME.2, ...). Safe to run on a thread of its own beside other work on `ctx`.
MonthArchive write_month_archive(Context& ctx, pqxx::connection& conn, const std::string& table,
                                 const std::string& name, const std::filesystem::path& dir);

// Reads the archive back from disk: its SHA-256 and its number of lines must be what was
// written (IntegrityError otherwise). Touches no connection: it can run beside the drop.
void verify_month_archive(const MonthArchive& a);

// A month a prune archived and dropped: its archives hold its events as they were then, and
// nothing done to the log afterwards (a GDPR erasure) reaches them.
struct ArchivedMonth {
    std::string partition;              // audit_log_2025_01
    std::vector<std::string> archives;  // the files, where known
};

// Every month archived and dropped, oldest first, as two sources know them: the prunes'
// events still in the log (each names its month, and its file when the prune recorded one;
// the events themselves go with their own month in time), and the .ndjson.gz files in the
// config's archive directory, when it is readable from here (older archives, and those an
// earlier prune wrote without naming them). Read-only; an unreadable directory is skipped.
std::vector<ArchivedMonth> archived_months(Context& ctx, pqxx::transaction_base& tx);

}  // namespace tenantctl::audit
