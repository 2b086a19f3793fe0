#include "core/config/edit.hpp"

#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/config/config.hpp"
#include "core/errors.hpp"
#include "core/util/atomic_file.hpp"

namespace tenantctl::config {

namespace {

// A plain YAML scalar when that reads back as the same text, else a double-quoted one
// (JSON's escaping is valid YAML).
std::string yaml_scalar(const std::string& text) {
    const bool plain = !text.empty() && text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") ==
                                            std::string::npos;
    return plain && text != "null" && text != "true" && text != "false" ? text : nlohmann::json(text).dump();
}

bool is_top_level_key(const std::string& line, const std::string& key) {
    if (line.rfind(key, 0) != 0) return false;
    const auto colon = line.find_first_not_of(' ', key.size());
    return colon != std::string::npos && line[colon] == ':';
}

bool continues_value(const std::string& line) { return !line.empty() && (line[0] == ' ' || line[0] == '\t'); }

std::string read_text(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw UsageError("cannot read " + file.string());
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

}  // namespace

void set_current_context(const std::filesystem::path& file, const std::string& name) {
    const std::string before = read_text(file);
    struct stat st {};
    const unsigned mode = ::stat(file.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0600;

    std::istringstream lines(before);
    std::string after, line;
    bool replaced = false, skipping_value = false;
    while (std::getline(lines, line)) {
        if (skipping_value && continues_value(line)) continue;  // the rest of a multi-line value
        skipping_value = false;
        if (!replaced && is_top_level_key(line, "current_context")) {
            after += "current_context: " + yaml_scalar(name) + "\n";
            replaced = skipping_value = true;
            continue;
        }
        after += line + "\n";
    }
    if (!replaced) after += "current_context: " + yaml_scalar(name) + "\n";

    util::write_file_atomic(file, after, mode);
    // Proved by reading the file back as tenantctl will (a flow-style file, `{contexts: ...}`,
    // has no line to edit): anything else puts the operator's text back.
    std::string problem;
    try {
        if (load_config_file(file).current_context != name) problem = "the file does not read back with it";
    } catch (const Error& e) {
        problem = e.what();
    }
    if (!problem.empty()) {
        util::write_file_atomic(file, before, mode);
        throw Refused("could not set current_context in " + file.string() + ": " + problem,
                      "edit the file by hand; it is unchanged");
    }
}

}  // namespace tenantctl::config
