// Data subjects: parsing a SELECTOR (`email:alice@example.com`, `id:UUID`, `COLUMN:VALUE`)
// and finding the one row of the subject table it names, within one tenant.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <pqxx/pqxx>

#include "core/gdpr/data_map.hpp"
#include "core/gdpr/selector.hpp"

namespace tenantctl::gdpr {


struct Subject {
    std::string key;                  // the subject key value, as text
    std::vector<std::string> identifiers;  // key and lookup column values (for audit matching)
    std::string canonical() const { return "key:" + key; }  // what the register stores
};

// The one subject row the selector names. Unknown column: UsageError (exit 2). No row:
// NotFound (exit 4). Several rows: Refused (exit 5) listing their keys. A value that is not
// valid for the column's type (id:not-a-uuid) is a UsageError.
Subject resolve_subject(pqxx::transaction_base& tx, const DataMap& map, const std::vector<std::string>& lookup,
                        const std::string& tenancy_value, const Selector& selector);

}  // namespace tenantctl::gdpr
