// A row read with COPY ... TO STDOUT (text format), written as one JSON object exactly as
// PostgreSQL's row_to_json() prints it. The server spends most of a plain COPY's time again
// on row_to_json (it formats every value twice and escapes it once more), which made it the
// largest cost of archiving an audit month; the client does the same work in a fraction.
//
// Exact means byte for byte, for the column types it knows (json_kind_of): the caller reads
// the values under TimeZone 'UTC' and DateStyle 'ISO', and lets the server encode when a
// column has another type or a value is not in the form expected here (encode returns false).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tenantctl::db {

// How row_to_json writes a value of a type (after its categorization in json.c).
enum class JsonKind {
    number,       // its text, unquoted when it is a JSON number (NaN, Infinity are quoted)
    boolean,      // true / false
    string,       // its text, quoted and escaped
    timestamptz,  // ISO 8601 with 'T' and a +HH:MM offset
    timestamp,    // ISO 8601 with 'T'
    date,         // YYYY-MM-DD
    json,         // json and jsonb: their text, as is
};

// The kind of a built-in type, by pg_type.typname (of a type in pg_catalog); nullopt for the
// types row_to_json writes in other ways (arrays, composites, ranges, intervals, ...).
std::optional<JsonKind> json_kind_of(std::string_view type_name);

// Appends `s` as a JSON string, escaped as PostgreSQL's escape_json does.
void append_json_string(std::string_view s, std::string& out);

// Whether `s` is a number in JSON's grammar (PostgreSQL's IsValidJsonNumber).
bool is_json_number(std::string_view s);

class RowJsonEncoder {
public:
    struct Column {
        std::string name;
        JsonKind kind;
    };
    explicit RowJsonEncoder(const std::vector<Column>& columns);

    std::size_t columns() const { return m_kinds.size(); }

    // Appends the row (one field per column, nullopt for NULL) and a newline to `out`. False,
    // with `out` as it was, when a value is not in the form this encoder knows.
    bool append(const std::vector<std::optional<std::string_view>>& fields, std::string& out) const;

private:
    std::vector<std::string> m_keys;  // `"name":`, escaped once here
    std::vector<JsonKind> m_kinds;
};

}  // namespace tenantctl::db
