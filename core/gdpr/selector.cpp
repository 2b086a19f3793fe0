#include "core/gdpr/selector.hpp"

#include "core/errors.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::gdpr {

Selector parse_selector(std::string_view text) {
    auto colon = text.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size())
        throw UsageError("--subject: expected COLUMN:VALUE, got " + util::in_quotes(text, 20),
                         "e.g. --subject email:alice@example.com or --subject id:UUID");
    return Selector{std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
}

}  // namespace tenantctl::gdpr
