// `gdpr export --subject`: everything tenantctl can find about one person (Art. 15 access,
// Art. 20 portability) as a zip for the person, or one JSON document on stdout.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "core/records.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::gdpr {

struct SubjectExportOptions {
    std::string tenant;    // slug
    std::string selector;  // email:..., id:..., COLUMN:VALUE
    std::string format = "zip";  // zip | json
    std::optional<std::filesystem::path> output;  // zip: default ./gdpr-export-<request id>.zip
    bool force = false;
    std::optional<std::string> request;  // an open request (gdpr requests add) this answers
};

struct SubjectExportResult {
    std::string request_id;
    std::string sha256;
    std::optional<std::filesystem::path> path;  // zip only
    std::optional<json> document;               // json only
    json tables = json::object();               // table -> rows
    long long audit_events = 0;
    long long undecryptable = 0;  // values marked {"undecryptable": true}; exit 8 when > 0
};

SubjectExportResult export_subject(Context& ctx, const SubjectExportOptions& options);

}  // namespace tenantctl::gdpr
