#include "core/db/copy_text.hpp"

#include <cstring>

namespace tenantctl::db {

namespace {

// COPY's text output escapes only these (see "COPY ... File Formats" in the manual).
char unescaped(char c) {
    switch (c) {
        case 'b': return '\b';
        case 'f': return '\f';
        case 'n': return '\n';
        case 'r': return '\r';
        case 't': return '\t';
        case 'v': return '\v';
        default: return c;  // backslash itself, and anything else taken literally
    }
}

}  // namespace

bool split_copy_line(std::string& line, std::size_t expected, std::vector<std::optional<std::string_view>>& fields) {
    fields.clear();
    if (!line.empty() && line.back() == '\n') line.pop_back();
    char* const data = line.data();
    const std::size_t size = line.size();
    std::size_t read = 0, write = 0;
    for (;;) {
        // A NULL is the two raw characters \N alone in a field; a data value "\N" arrives as \\N.
        if (read + 1 < size && data[read] == '\\' && data[read + 1] == 'N' && (read + 2 == size || data[read + 2] == '\t')) {
            fields.emplace_back(std::nullopt);
            read += 2;
        } else {
            const char* tab = static_cast<const char*>(std::memchr(data + read, '\t', size - read));
            const std::size_t end = tab ? static_cast<std::size_t>(tab - data) : size;
            const bool has_escape = std::memchr(data + read, '\\', end - read) != nullptr;
            const std::size_t start = write;
            if (!has_escape) {
                // The common case: the field stays where it is, or moves left past earlier escapes.
                if (write != read) std::memmove(data + write, data + read, end - read);
                write += end - read;
                read = end;
            } else {
                while (read < end) {
                    char c = data[read++];
                    if (c == '\\' && read < end) c = unescaped(data[read++]);
                    data[write++] = c;
                }
            }
            fields.emplace_back(std::string_view(data + start, write - start));
        }
        if (read >= size) break;
        ++read;  // the tab
    }
    return fields.size() == expected;
}

void unescape_copy_text(std::string& text) {
    std::size_t out = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\\' && i + 1 < text.size()) c = unescaped(text[++i]);
        text[out++] = c;
    }
    text.resize(out);
}

}  // namespace tenantctl::db
