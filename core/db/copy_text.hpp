// COPY ... TO STDOUT text format, parsed by hand: libpqxx 6.4's stream_from tuple extraction
// scans every field glyph by glyph and allocates per value, which made it the largest cost
// of `audit verify` (a third of its CPU time on a million events). This parser splits a line
// in place, once, and undoes COPY's escapes only in fields that have any.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tenantctl::db {

// Splits `line` (one row from stream_from::get_raw_line, with or without its trailing newline)
// into its tab-separated fields, unescaping them in place: `fields[i]` views `line`, nullopt
// for SQL NULL (\N). Returns false when the line does not have exactly `expected` fields.
bool split_copy_line(std::string& line, std::size_t expected, std::vector<std::optional<std::string_view>>& fields);

// Undoes COPY's escapes in `text` in place: for a line of a one-column COPY, or one field.
void unescape_copy_text(std::string& text);

}  // namespace tenantctl::db
