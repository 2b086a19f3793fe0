// What `erase: anonymize` writes into each column, by the column's type (model::Column), so
// that every built-in strategy writes a value the column accepts:
//
//   type                         null             redact                      hash
//   text, varchar(n), char(n)    NULL             '[erased]' (cut to n)       anon_<32 hex> (cut to n)
//   citext                       NULL             '[erased]'                  anon_<32 hex>
//   uuid                         NULL             00000000-...-000000000000   md5 of the hash, as a uuid
//   json, jsonb                  NULL             {}                          the hash as a JSON string
//   arrays                       NULL             {} (empty array)            text arrays: per element; else {}
//   smallint .. bigint, float    NULL             0                           a number from the hash (0..32767)
//   numeric, money               NULL             0                           0
//   date, timestamp(tz)          NULL             1970-01-01                  1970-01-01
//   time(tz), interval           NULL             00:00, 0                    00:00, 0
//   boolean                      NULL             false                       false
//   inet, cidr                   NULL             192.0.2.0 (/24)             192.0.2.0 (/24)
//   macaddr(8)                   NULL             00:00:00:00:00:00(:00:00)   the same
//   bytea                        NULL             empty                       the hash's bytes
//   enum, range                  NULL             first label, empty range    the same
// NOT NULL columns never get NULL: `null` becomes `redact` there (and the plan says so).
// Generated columns recompute and identity ALWAYS columns are system-assigned: neither is
// ever written. A NOT NULL column of a type with no value above (composite, geometric ...)
// cannot be anonymized: `gdpr lint` and the erase plan name it, and erase refuses.
#pragma once

#include <map>
#include <string>

#include "core/config/config.hpp"
#include "core/model/tenant_data.hpp"

namespace tenantctl::gdpr {

struct ColumnAnonymization {
    config::AnonymizeStrategy requested = config::AnonymizeStrategy::null;
    config::AnonymizeStrategy applied = config::AnonymizeStrategy::null;
    bool explicit_strategy = false;  // written under `anonymize:` in the map (not a default)
    bool skipped = false;            // generated or identity ALWAYS: never written
    std::string note;                // why `applied` differs from `requested`, or why it is skipped
    std::string problem;             // non-empty: no value of the column's type for this strategy
};

// The anonymize step of one table: every pii/encrypted column (default: null when nullable,
// else redact for encrypted columns and hash for the others), the map's explicit strategies
// taking precedence.
std::map<std::string, ColumnAnonymization> anonymize_plan(const model::Relation& relation,
                                                          const config::TableConfig& table);

// The SQL value written into `column` (its old value is `value_sql`); hashing uses the padded
// key bytes `ipad_sql`/`opad_sql` (SQL bytea expressions, see hmac_pseudonym_sql). Empty when
// the type has no such value.
std::string anonymized_value_sql(const model::Column& column, config::AnonymizeStrategy applied,
                                 const std::string& value_sql, const std::string& ipad_sql,
                                 const std::string& opad_sql);

}  // namespace tenantctl::gdpr
