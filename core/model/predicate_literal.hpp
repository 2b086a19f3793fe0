// COPY (SELECT ...) TO STDOUT takes no parameters: the one place tenantctl puts a value into
// SQL text. The tenancy value goes in as a quoted literal (tx.quote), still followed by the
// `::type` cast TenantData::tenant_predicate wrote after `$1`, so it is typed exactly as the
// parameter would have been.
#pragma once

#include <string>

namespace tenantctl::model {

// `predicate` (from TenantData::tenant_predicate with param 1) with every `$1::` made
// `<literal>::`. `literal` must come from tx.quote().
inline std::string with_literal(std::string predicate, const std::string& literal) {
    for (std::size_t at = predicate.find("$1::"); at != std::string::npos; at = predicate.find("$1::", at + literal.size()))
        predicate.replace(at, 2, literal);
    return predicate;
}

}  // namespace tenantctl::model
