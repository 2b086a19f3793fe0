#include "core/db/row_json.hpp"

#include <array>
#include <utility>

#include "core/util/strings.hpp"

namespace tenantctl::db {

namespace {

bool digits(std::string_view s, std::size_t from, std::size_t to) {
    if (from >= to || to > s.size()) return false;
    for (std::size_t i = from; i < to; ++i)
        if (!util::is_ascii_digit(s[i])) return false;
    return true;
}

// "YYYY-MM-DD" at the start of `s` (a year of four or more digits, as ISO output prints it);
// returns its length, 0 when it is not one.
std::size_t iso_date_length(std::string_view s) {
    std::size_t y = 0;
    while (y < s.size() && util::is_ascii_digit(s[y])) ++y;
    if (y < 4 || s.size() < y + 6 || s[y] != '-' || s[y + 3] != '-') return 0;
    if (!digits(s, y + 1, y + 3) || !digits(s, y + 4, y + 6)) return 0;
    return y + 6;
}

// "HH:MM:SS" with an optional fraction, at `from`; returns where it ends, 0 when it is not one.
std::size_t iso_time_end(std::string_view s, std::size_t from) {
    if (s.size() < from + 8 || s[from + 2] != ':' || s[from + 5] != ':') return 0;
    if (!digits(s, from, from + 2) || !digits(s, from + 3, from + 5) || !digits(s, from + 6, from + 8)) return 0;
    std::size_t end = from + 8;
    if (end < s.size() && s[end] == '.') {
        const std::size_t frac = ++end;
        while (end < s.size() && util::is_ascii_digit(s[end])) ++end;
        if (end == frac) return 0;
    }
    return end;
}

bool is_infinity(std::string_view s) { return s == "infinity" || s == "-infinity"; }

// A date/time value in ISO output, as row_to_json writes it (XSD style: 'T' between date and
// time, the offset as +HH:MM). Under TimeZone 'UTC' the ISO offset is always "+00"; anything
// else (another zone, BC dates) is left to the server.
bool append_datetime(std::string_view v, JsonKind kind, std::string& out) {
    if (is_infinity(v)) {
        out += '"';
        out += v;
        out += '"';
        return true;
    }
    const std::size_t date = iso_date_length(v);
    if (date == 0) return false;
    if (kind == JsonKind::date) {
        if (date != v.size()) return false;
        out += '"';
        out += v;
        out += '"';
        return true;
    }
    if (v.size() <= date || v[date] != ' ') return false;
    const std::size_t time_end = iso_time_end(v, date + 1);
    if (time_end == 0) return false;
    const std::string_view rest = v.substr(time_end);
    if (kind == JsonKind::timestamptz ? rest != "+00" : !rest.empty()) return false;
    out += '"';
    out.append(v.data(), date);
    out += 'T';
    out.append(v.data() + date + 1, time_end - date - 1);
    if (kind == JsonKind::timestamptz) out += "+00:00";
    out += '"';
    return true;
}

}  // namespace

std::optional<JsonKind> json_kind_of(std::string_view t) {
    static constexpr std::array<std::pair<std::string_view, JsonKind>, 20> kKinds{{
        {"int2", JsonKind::number},        {"int4", JsonKind::number},     {"int8", JsonKind::number},
        {"numeric", JsonKind::number},     {"float4", JsonKind::number},   {"float8", JsonKind::number},
        {"oid", JsonKind::string},  // not a number to row_to_json: only int, float and numeric are
        {"bool", JsonKind::boolean},       {"text", JsonKind::string},     {"varchar", JsonKind::string},
        {"bpchar", JsonKind::string},      {"name", JsonKind::string},     {"uuid", JsonKind::string},
        {"inet", JsonKind::string},        {"cidr", JsonKind::string},     {"timestamptz", JsonKind::timestamptz},
        {"timestamp", JsonKind::timestamp}, {"date", JsonKind::date},      {"json", JsonKind::json},
        {"jsonb", JsonKind::json},
    }};
    for (const auto& [name, kind] : kKinds)
        if (name == t) return kind;
    return std::nullopt;
}

void append_json_string(std::string_view s, std::string& out) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    std::size_t plain = 0;  // start of the run of characters copied as they are
    for (std::size_t i = 0; i < s.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(s.data() + plain, i - plain);
        plain = i + 1;
        switch (c) {
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            default:
                out += "\\u00";
                out += kHex[c >> 4];
                out += kHex[c & 0xf];
        }
    }
    out.append(s.data() + plain, s.size() - plain);
    out += '"';
}

bool is_json_number(std::string_view s) {
    std::size_t i = 0;
    if (i < s.size() && s[i] == '-') ++i;
    // Whole part: a single 0, or digits not starting with 0.
    if (i < s.size() && s[i] == '0') {
        ++i;
    } else if (i < s.size() && s[i] >= '1' && s[i] <= '9') {
        while (i < s.size() && util::is_ascii_digit(s[i])) ++i;
    } else {
        return false;
    }
    if (i < s.size() && s[i] == '.') {
        const std::size_t from = ++i;
        while (i < s.size() && util::is_ascii_digit(s[i])) ++i;
        if (i == from) return false;
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
        const std::size_t from = i;
        while (i < s.size() && util::is_ascii_digit(s[i])) ++i;
        if (i == from) return false;
    }
    return i == s.size();
}

RowJsonEncoder::RowJsonEncoder(const std::vector<Column>& columns) {
    for (std::size_t i = 0; i < columns.size(); ++i) {
        std::string key = i == 0 ? "{" : ",";
        append_json_string(columns[i].name, key);
        key += ':';
        m_keys.push_back(std::move(key));
        m_kinds.push_back(columns[i].kind);
    }
}

bool RowJsonEncoder::append(const std::vector<std::optional<std::string_view>>& fields, std::string& out) const {
    if (fields.size() != m_kinds.size() || m_kinds.empty()) return false;
    const std::size_t was = out.size();
    auto miss = [&] {
        out.resize(was);
        return false;
    };
    for (std::size_t i = 0; i < fields.size(); ++i) {
        out += m_keys[i];
        if (!fields[i]) {
            out += "null";
            continue;
        }
        const std::string_view v = *fields[i];
        switch (m_kinds[i]) {
            case JsonKind::number:
                if (is_json_number(v))
                    out += v;
                else
                    append_json_string(v, out);
                break;
            case JsonKind::boolean:
                if (v == "t")
                    out += "true";
                else if (v == "f")
                    out += "false";
                else
                    return miss();
                break;
            case JsonKind::string: append_json_string(v, out); break;
            case JsonKind::json: out += v; break;
            case JsonKind::timestamptz:
            case JsonKind::timestamp:
            case JsonKind::date:
                if (!append_datetime(v, m_kinds[i], out)) return miss();
                break;
        }
    }
    out += "}\n";
    return true;
}

}  // namespace tenantctl::db
