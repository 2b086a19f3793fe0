// What a copied column becomes at the destination (issue 18): its value as it is, or
//   - `tenant copy --as`: the new tenancy value in every column that holds the tenant's one
//     (every relation's tenancy column, the app tenants table's key, and, through foreign keys,
//     every column referencing one of those);
//   - `tenant copy --anonymize`: the data map's strategy for each `pii` column (null, redact,
//     hash: core/gdpr/anonymize.hpp), with a key made for this one copy, and each `encrypted`
//     column a Fernet token of the redacted text under the copy's own new data key.
// The same SQL expressions select the rows that are COPY-ed and compute the source's
// fingerprint that the destination's rows must match, so the verification covers the
// transformation as well as the transport.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/config/config.hpp"
#include "core/crypto/fernet.hpp"
#include "core/gdpr/data_map.hpp"
#include "core/model/tenant_data.hpp"

namespace tenantctl::portability {

class RowTransform {
public:
    // The SQL expression, over alias `t`, of the value the destination receives in `column`.
    std::string value(const model::Relation& r, const model::Column& column) const;
    void set(const model::Relation& r, const std::string& column, std::string expression);
    bool changes(const model::Relation& r) const;

private:
    std::map<std::pair<std::string, std::string>, std::string> m_expressions;  // (quoted relation, column)
};

// --as: `old_literal` and `new_literal` are quoted SQL text literals of the two tenancy values.
// Returns how many columns are rewritten.
int rewrite_tenancy_value(RowTransform& transform, const model::TenantData& data, const std::string& old_literal,
                          const std::string& new_literal);

// --as in full: rewrite_tenancy_value, and the new slug (`new_slug_literal`, quoted) in the
// app's own tenants table where the config names its slug column, as `tenant create` would
// have written it. Returns how many columns hold the tenancy value.
int rewrite_tenant_identity(RowTransform& transform, const model::TenantData& data, const config::Config& config,
                            const std::string& old_literal, const std::string& new_literal,
                            const std::string& new_slug_literal);

// --anonymize: one line per anonymized column ("public.users.email: hash"), and the columns
// the data map does not classify (copied as they are) in `unclassified`.
struct Anonymization {
    std::vector<std::string> columns;
    std::vector<std::string> unclassified;  // "public.tasks.notes"
};

// `ipad_sql`/`opad_sql`: SQL bytea expressions of the copy's hash key pads (see
// gdpr::hmac_pseudonym_sql). `new_key`: the data key the destination gets instead of the
// tenant's, under which encrypted columns receive the redacted text. A NOT NULL column with no
// value of its type to anonymize with is Refused (exit 6) before anything is written.
Anonymization anonymize_columns(RowTransform& transform, const gdpr::DataMap& map, const config::DataConfig& data,
                                const crypto::FernetKey& new_key, std::uint64_t now, const std::string& ipad_sql,
                                const std::string& opad_sql);

}  // namespace tenantctl::portability
