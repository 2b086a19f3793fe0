#include "core/migrate/scaffold.hpp"

#include <algorithm>
#include <cstdio>

#include "core/errors.hpp"

namespace tenantctl::migrate {

namespace {
constexpr std::size_t kMaxNameLength = 200;  // keeps the file name well under the usual 255-byte limit
}

std::string normalize_migration_name(std::string_view name) {
    while (!name.empty() && (name.front() == ' ' || name.front() == '\t')) name.remove_prefix(1);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
    if (name.empty()) throw UsageError("migration name is empty", "e.g. tenantctl migrate new add_invoices");
    std::string out;
    out.reserve(name.size());
    for (char c : name) {
        if (c >= 'A' && c <= 'Z') {
            out.push_back(static_cast<char>(c - 'A' + 'a'));
        } else if (c == ' ' || c == '-') {
            out.push_back('_');
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') {
            out.push_back(c);
        } else {
            throw UsageError("invalid migration name '" + std::string(name.substr(0, 80)) +
                                 "': use letters a-z, digits, '_', spaces or '-'",
                             "e.g. tenantctl migrate new add_invoices");
        }
    }
    if (out.size() > kMaxNameLength)
        throw UsageError("migration name is too long (" + std::to_string(out.size()) + " characters, at most " +
                         std::to_string(kMaxNameLength) + ")");
    return out;
}

std::string migration_version(std::chrono::system_clock::time_point now) {
    using namespace std::chrono;
    auto seconds = floor<std::chrono::seconds>(now);
    auto day = floor<days>(seconds);
    year_month_day date{day};
    hh_mm_ss time{seconds - day};
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%04d%02u%02u%02d%02d%02d", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                  static_cast<int>(time.seconds().count()));
    return buffer;
}

std::string migration_filename(std::string_view name, std::chrono::system_clock::time_point now) {
    return migration_version(now) + "_" + normalize_migration_name(name) + ".sql";
}

std::string scaffold_migration(std::string_view name, std::chrono::system_clock::time_point now, Scope scope) {
    std::string normalized = normalize_migration_name(name);
    std::string title = normalized;
    for (char& c : title)
        if (c == '_') c = ' ';
    std::string out;
    out += "-- " + migration_version(now) + "_" + normalized + ": " + title + "\n";
    out += "--\n";
    out += "-- Optional header directives (remove the leading '--   ' to use one; keep them above '-- migrate:up'):\n";
    out +=
        "--   -- tenantctl:no-transaction        run statement by statement (needed for CREATE INDEX CONCURRENTLY)\n";
    out += "--   -- tenantctl:lock-timeout=5s       fail fast instead of queueing behind a long lock\n";
    out += "--   -- tenantctl:statement-timeout=1m\n";
    out += "--   -- tenantctl:nolint=RULE           silence a `tenantctl migrate lint` rule for this file\n";
    out += "-- tenantctl:scope=" + std::string(to_string(scope)) + "\n";
    out += "\n";
    out += "-- migrate:up\n";
    out += "\n";
    out += "\n";
    out += "-- migrate:down\n";
    out += "\n";
    return out;
}

std::vector<ScaffoldFile> scaffold_files(Layout layout, const std::filesystem::path& dir, std::string_view name,
                                         std::chrono::system_clock::time_point now, Scope scope,
                                         const std::vector<std::string>& existing_versions) {
    const std::string normalized = normalize_migration_name(name);
    const std::string timestamp = migration_version(now);
    if (layout == Layout::tenantctl || layout == Layout::dbmate)
        return {{dir / migration_filename(name, now), scaffold_migration(name, now, scope)}};
    std::string header = "-- " + normalized + "\n";
    if (scope == Scope::tenant) header += "-- tenantctl:scope=tenant\n";
    const std::string up = header + "-- plain SQL: the whole file is one migration; write it below\n";
    switch (layout) {
        case Layout::golang_migrate: {
            std::string version = timestamp;
            std::string newest;
            bool sequential = !existing_versions.empty();
            for (const auto& v : existing_versions) {
                if (v.size() >= 14) sequential = false;
                if (newest.empty() || compare_versions(v, newest) > 0) newest = v;
            }
            if (sequential) {
                std::string next = std::to_string(std::stoull(newest) + 1);
                if (next.size() < newest.size()) next.insert(0, newest.size() - next.size(), '0');
                version = next;
            }
            const std::string stem = version + "_" + normalized;
            return {{dir / (stem + ".up.sql"), up}, {dir / (stem + ".down.sql"), header + "-- revert it below\n"}};
        }
        case Layout::flyway: {
            unsigned long long major = 0;
            for (const auto& v : existing_versions) {
                if (v.empty() || v[0] < '0' || v[0] > '9') continue;
                major = std::max(major, std::stoull(v.substr(0, std::min(v.find('.'), std::size_t{18}))));
            }
            return {{dir / ("V" + std::to_string(major + 1) + "__" + normalized + ".sql"), up}};
        }
        case Layout::supabase: return {{dir / (timestamp + "_" + normalized + ".sql"), up}};
        case Layout::prisma: return {{dir / (timestamp + "_" + normalized) / "migration.sql", up}};
        default: break;
    }
    return {};
}

}  // namespace tenantctl::migrate
