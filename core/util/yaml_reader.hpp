// The one hardened reader for every YAML input tenantctl takes (the config file, the
// `tenant apply` manifest, anything later). yaml-cpp parses whatever it is given, so the
// rules below are enforced on the parser's event stream before a node tree is ever built:
//
//   - at most kMaxYamlBytes (1 MiB) of input; a longer file is refused unread beyond that
//   - UTF-8 text only
//   - aliases (`*name`) are refused: they are how a recursive structure or a "billion
//     laughs" expansion is written, and no tenantctl file needs them (merge keys `<<` are
//     refused by the readers for the same reason)
//   - explicit tags (`!!str`, `!custom`) are refused: quote a value to make it a string
//   - at most kMaxYamlDepth nested maps and lists
//   - exactly one document (a second `---` document is an error, not ignored)
//   - no NUL character anywhere, and map keys without control characters
//   - a stray `,` at the top level (yaml-cpp 0.7 loops on it producing empty documents,
//     jbeder/yaml-cpp#1040) is reported as invalid YAML
//
// Every failure is a UsageError (exit 2) naming `file:line:col` (or `file:` when there is
// no position, as for the size cap).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <string_view>

namespace tenantctl::util {

inline constexpr std::size_t kMaxYamlBytes = 1024 * 1024;
inline constexpr int kMaxYamlDepth = 64;

// Parses `text` (called `filename` in messages) under the rules above. Returns a null node
// when the text holds no document at all (empty, or only comments).
YAML::Node load_yaml(std::string_view text, std::string_view filename);

// Reads a YAML input file, refusing directories and anything longer than kMaxYamlBytes
// (a FIFO or process substitution works: at most kMaxYamlBytes + 1 bytes are read).
// `what` names the file in messages ("config file", "manifest").
std::string read_yaml_file(const std::filesystem::path& path, std::string_view what);
std::string read_yaml_stream(std::istream& in, std::string_view name);

// Throws UsageError "file:line:col: message" (or "file: message" for a null mark).
[[noreturn]] void fail_yaml(std::string_view filename, const YAML::Mark& mark, const std::string& message,
                            std::string hint = {});

}  // namespace tenantctl::util
