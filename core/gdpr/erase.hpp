// `gdpr erase`: the right to erasure (Art. 17) for one subject, as the data map says per
// table (`delete`, `anonymize` listed columns, `retain` with its legal basis), in ONE
// transaction that also pseudonymizes the subject in the audit log, appends the erasure
// event, stores the receipt in the request register, and verifies before COMMIT that the
// subject queries find nothing erasable (otherwise it rolls back and exits 8).
//
// Rows are chosen once, up front: the primary keys of every reached row are copied into
// temporary tables, so nulling a reference to break a foreign-key cycle cannot change which
// rows a later step touches.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "core/records.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::gdpr {

struct EraseOptions {
    std::string tenant;
    std::string selector;
    std::optional<std::filesystem::path> output;  // receipt file (0600); default: stdout
    bool force = false;
    std::optional<std::string> request;
};

struct EraseResult {
    std::string request_id;
    json receipt;  // also the dry-run plan (receipt["dry_run"] == true)
    std::string sha256;
    std::optional<std::filesystem::path> path;
};

EraseResult erase_subject(Context& ctx, const EraseOptions& options);

// HMAC-SHA256 computed by the server (`sha256()` is built in since PostgreSQL 11), for the
// `hash` anonymization strategy: the SQL expression of anonymize-pseudonym(`value_sql`)
// given SQL bytea expressions (`$1::bytea`) of the padded key XOR 0x36 / 0x5c. It equals
// anonymized(anonymize_key(...), value) (core/gdpr/anonymize_hash.hpp).
std::string hmac_pseudonym_sql(const std::string& value_sql, const std::string& ipad_sql, const std::string& opad_sql);

}  // namespace tenantctl::gdpr
