// Positional values that begin with '-' (issue 12: a JWT kid is base64url and starts with '-'
// once in 64; CLI11 would take it for an option and exit 2).
#pragma once

#include <string>
#include <vector>

#include "cli/registry.hpp"

namespace tenantctl::cli {

// Which words of `args` (argv without the program name) are positional values although they
// begin with '-'. Such a word is a value when the chosen command still has a positional to
// fill and the word is not an option: not a known option of that command or a global one
// (`-o`, `--output`, `--output=json`, a group of one-letter flags such as `-yq`, `-ojson` when
// json is one of the option's choices), and not a near-miss of a long option (`--dryrun`
// stays "unknown option, did you mean --dry-run"). Two-character words (`-x`) stay options.
// Nothing after `--` is looked at. The CLI hands these words to CLI11 as placeholders.
std::vector<bool> dash_positional_words(const Registry& r, const std::vector<std::string>& args);

}  // namespace tenantctl::cli
