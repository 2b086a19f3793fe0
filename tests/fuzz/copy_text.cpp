// COPY text lines (core/db/copy_text): every split field views the line, escapes undone in
// place never run past it.
#include <optional>
#include <string>
#include <vector>

#include "core/db/copy_text.hpp"
#include "tests/fuzz/fuzz_main.hpp"

void fuzz_one(std::string_view input) {
    if (input.empty()) return;
    const std::size_t expected = static_cast<unsigned char>(input[0]) % 8;
    std::string line(input.substr(1));
    std::vector<std::optional<std::string_view>> fields;
    if (tenantctl::db::split_copy_line(line, expected, fields)) {
        FUZZ_CHECK(fields.size() == expected);
        for (const auto& field : fields)
            if (field) FUZZ_CHECK(field->data() >= line.data() && field->data() + field->size() <= line.data() + line.size());
    }
    std::string text(input.substr(1));
    const std::size_t before = text.size();
    tenantctl::db::unescape_copy_text(text);
    FUZZ_CHECK(text.size() <= before);
}
