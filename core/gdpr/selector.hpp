// A data-subject SELECTOR as operators type it (`email:alice@example.com`, `id:UUID`,
// `COLUMN:VALUE`). Pure parsing, no database: the fuzzers link it alone.
#pragma once

#include <string>
#include <string_view>

namespace tenantctl::gdpr {

struct Selector {
    std::string column;  // `id` means the subject key column
    std::string value;
};

// Splits at the first ':'. UsageError (exit 2) when there is no ':' or either side is empty.
Selector parse_selector(std::string_view text);

}  // namespace tenantctl::gdpr
