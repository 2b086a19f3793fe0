// Whole-tenant export (`gdpr export --all`, and the first step of tenant offboarding, which
// purges only after this returned): every tenant-scoped table's rows of one tenant, one
// NDJSON (or CSV) file per table, in a tar.gz with a manifest of row counts and SHA-256s.
//
// Rows stream from COPY straight to disk and memory stays flat at any size. All tables are
// read in one REPEATABLE READ snapshot, so the files are consistent with each other. The
// archive appears under its final name only when complete (ArchiveWriter).
//
// Encrypted columns are exported as stored (Fernet tokens): the archive is a faithful copy
// of the tenant's rows, and the keys are not in it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "core/records.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::gdpr {

struct TenantExportOptions {
    std::string tenant;  // slug
    std::filesystem::path output;
    std::string table_format = "ndjson";  // ndjson | csv
    bool force = false;
    std::optional<std::string> request;
};

struct TenantExportResult {
    std::string request_id;
    std::string sha256;
    std::filesystem::path path;
    json tables = json::array();  // {table, file, rows, bytes, sha256}
    long long rows = 0;
    long long bytes = 0;
};

TenantExportResult export_tenant(Context& ctx, const TenantExportOptions& options);

}  // namespace tenantctl::gdpr
