// Small text helpers shared across the code base. ASCII only on purpose: everything these
// touch (identifiers, flags, config keys, action names) is ASCII, and locale-dependent
// behaviour (std::tolower under a Turkish locale) is a bug source we do not want.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tenantctl::util {

// Removes leading and trailing ASCII whitespace (space, \t, \n, \r, \f, \v).
std::string_view trim(std::string_view text);

// Splits at every `separator`, keeping empty fields: split("a,,b", ',') is {"a", "", "b"} and
// split("", ',') is {""}. Callers that want to drop empties filter afterwards.
std::vector<std::string> split(std::string_view text, char separator);

std::string join(const std::vector<std::string>& parts, std::string_view separator);

// '0' to '9' only, whatever the locale (std::isdigit depends on it, and takes an int).
inline bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

// The text up to the first newline, without trailing spaces or carriage returns: the one line
// of a multi-line server or library message that goes into ours.
std::string first_line(std::string_view text);

// ASCII lower-casing; bytes >= 0x80 are left alone.
std::string to_lower(std::string_view text);

// Edit distance (insertions, deletions, substitutions) counted in bytes.
std::size_t levenshtein(std::string_view a, std::string_view b);

// The candidate closest to `word` for a "did you mean" hint, if it is close enough to be a
// plausible typo: at most 2 edits (ignoring case), and at most half the length of the longer of
// the two so that short words do not match everything ("prdo" finds "prod", "db" finds nothing
// in "dir"). Ties go to the first candidate.
std::optional<std::string> did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

// Turns a shell-style glob into a SQL LIKE pattern for `LIKE $1` (PostgreSQL's default escape
// character is the backslash): `*` becomes `%`, `?` becomes `_`, and the LIKE
// metacharacters `%`, `_` and `\` are escaped so they match themselves. The glob has no
// escape syntax of its own: a backslash in it is a literal backslash.
std::string glob_to_like(std::string_view glob);

struct KeyValue {
    std::string key;
    std::string value;
};

// Parses `key=value` at the first `=`. The key is trimmed and must not be empty; the value is
// kept as written (it may be empty or contain further `=`). Throws UsageError otherwise.
KeyValue parse_key_value(std::string_view text);

// The length of the longest prefix of `text` that is well-formed UTF-8 (no overlong forms,
// surrogates or code points above U+10FFFF): text.size() when all of it is.
std::size_t valid_utf8_prefix(std::string_view text);

// Renders untrusted text for an error message: single-quoted, with control characters,
// quotes, backslashes and non-ASCII bytes escaped (\n, \xNN) so the message stays one
// printable line, and cut to `max_length` bytes of input with "..." after it.
std::string in_quotes(std::string_view text, std::size_t max_length = 80);

}  // namespace tenantctl::util
