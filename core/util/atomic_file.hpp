// Writing files so that readers never see half of one: write a temporary file in the same
// directory, fsync it, rename it over the target, fsync the directory.
#pragma once

#include <filesystem>
#include <string_view>

namespace tenantctl::util {

// `mode` applies to the new file (0600 for personal data and secrets). Throws Error with
// exit code 1 naming the path when the directory is not writable.
void write_file_atomic(const std::filesystem::path& path, std::string_view content, unsigned mode = 0644);

// fsync a directory so a rename in it is durable.
void fsync_directory(const std::filesystem::path& dir);

}  // namespace tenantctl::util
