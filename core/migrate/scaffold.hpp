// `migrate new NAME`: the file name and starting content of a new migration.
#pragma once

#include <chrono>
#include <filesystem>
#include <vector>
#include <string>
#include <string_view>

#include "core/migrate/file.hpp"

namespace tenantctl::migrate {

// The name as it goes into the file name: surrounding whitespace trimmed, ASCII letters
// lowercased, each space or hyphen turned into `_` ("Add users-table" -> "add_users_table").
// The result must match [a-z0-9_]+ and be at most 200 characters; anything else (dots, slashes,
// non-ASCII letters, an empty name) throws UsageError.
std::string normalize_migration_name(std::string_view name);

// YYYYMMDDHHMMSS of `now` in UTC.
std::string migration_version(std::chrono::system_clock::time_point now);

// "<YYYYMMDDHHMMSS>_<normalized name>.sql". Throws like normalize_migration_name.
std::string migration_filename(std::string_view name, std::chrono::system_clock::time_point now);

// The new file's content: a title comment, the other directives as commented-out examples, an
// explicit scope directive, and empty up and down sections. As written it does not load (its up
// section is empty), so an untouched scaffold can never be applied by accident.
std::string scaffold_migration(std::string_view name, std::chrono::system_clock::time_point now, Scope scope);

struct ScaffoldFile {
    std::filesystem::path path;
    std::string content;
};

// `migrate new` in `layout`: the files to write under `dir` (golang-migrate: .up.sql and
// .down.sql; Prisma: <version>_<name>/migration.sql). Versions: a timestamp, except Flyway
// (the next major version after `existing_versions`) and golang-migrate directories already
// numbered sequentially (000001, 000002...: the next number, same width). Plain-SQL layouts get
// a comment only, so an untouched scaffold does not load.
std::vector<ScaffoldFile> scaffold_files(Layout layout, const std::filesystem::path& dir, std::string_view name,
                                         std::chrono::system_clock::time_point now, Scope scope,
                                         const std::vector<std::string>& existing_versions);

}  // namespace tenantctl::migrate
