// Changes to the config file made by tenantctl itself (`config use-context`): the smallest
// edit of the operator's text, so comments, order and formatting survive.
#pragma once

#include <filesystem>
#include <string>

namespace tenantctl::config {

// Sets the top-level `current_context:` of the file (replacing the line, or appending one)
// and writes it back atomically with the file's mode. The caller checks that the context exists.
void set_current_context(const std::filesystem::path& file, const std::string& name);

}  // namespace tenantctl::config
