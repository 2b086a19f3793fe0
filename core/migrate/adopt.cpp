#include "core/migrate/adopt.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <set>

#include "core/audit/append.hpp"
#include "core/context.hpp"
#include "core/db/errors.hpp"
#include "core/platform/migrations.hpp"

namespace tenantctl::migrate {

namespace {

std::array<std::uint32_t, 256> crc_table() {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        t[i] = c;
    }
    return t;
}

// What the tool recorded, reduced to what adoption needs.
struct ToolHistory {
    std::vector<std::string> applied;                 // versions (or Prisma migration names), in order
    std::optional<std::string> baseline;              // Flyway BASELINE
    std::map<std::string, int> repeatable_checksums;  // Flyway: script -> checksum of its last run
    std::map<std::string, std::string> checksums;     // Prisma: migration name -> sha256
    std::vector<std::string> failed;                  // dirty / failed entries, for the refusal
};

std::string resolve_table(pqxx::transaction_base& tx, Tool tool, const std::string& given) {
    const std::string name = given.empty() ? std::string(default_history_table(tool)) : given;
    auto r = tx.exec_params1("SELECT to_regclass($1)::text", name);
    if (r[0].is_null())
        throw NotFound(fmt::format("no {} history table '{}' in this database", to_string(tool), name),
                       "point at it with --history-table SCHEMA.TABLE (the search_path is used otherwise)");
    return r[0].c_str();  // quoted by the server as needed: safe to paste
}

ToolHistory read_flyway(pqxx::transaction_base& tx, const std::string& table) {
    ToolHistory h;
    auto r = tx.exec(fmt::format(
        "SELECT installed_rank, version, description, type, script, checksum, success FROM {} ORDER BY installed_rank",
        table));
    std::map<std::string, std::size_t, VersionLess> position;
    std::vector<std::optional<std::string>> ordered;
    for (const auto& row : r) {
        const std::string type = row[3].c_str();
        const std::string script = row[4].c_str();
        if (!row[6].as<bool>()) {
            h.failed.push_back(fmt::format("rank {} {} ({})", row[0].c_str(), row[1].is_null() ? script : row[1].c_str(),
                                           type));
            continue;
        }
        if (row[1].is_null()) {  // repeatable
            if (!row[5].is_null()) h.repeatable_checksums[script] = row[5].as<int>();
            continue;
        }
        const std::string version = row[1].c_str();
        if (type == "SCHEMA") continue;  // Flyway's "created the schema" marker
        if (type == "BASELINE") {
            h.baseline = version;
        } else if (type == "UNDO_SQL" || type == "DELETE") {
            if (auto it = position.find(version); it != position.end()) {
                ordered[it->second].reset();
                position.erase(it);
            }
        } else if (!position.count(version)) {
            position[version] = ordered.size();
            ordered.push_back(version);
        }
    }
    for (auto& v : ordered)
        if (v) h.applied.push_back(*v);
    return h;
}

ToolHistory read_golang_migrate(pqxx::transaction_base& tx, const std::string& table,
                                const std::vector<MigrationFile>& files) {
    ToolHistory h;
    auto r = tx.exec(fmt::format("SELECT version::text, dirty FROM {}", table));
    if (r.size() > 1) throw Refused(fmt::format("{} has {} rows; golang-migrate keeps exactly one", table, r.size()));
    if (r.empty()) return h;
    const std::string current = r[0][0].c_str();
    if (r[0][1].as<bool>()) {
        h.failed.push_back("version " + current + " is dirty");
        return h;
    }
    bool found = false;
    for (const auto& f : files) {
        if (compare_versions(f.version, current) > 0) break;
        if (compare_versions(f.version, current) == 0) found = true;
        h.applied.push_back(f.version);
    }
    if (!found) h.applied.push_back(current);  // reported as a missing file
    return h;
}

ToolHistory read_dbmate(pqxx::transaction_base& tx, const std::string& table) {
    ToolHistory h;
    for (const auto& row : tx.exec(fmt::format("SELECT version::text FROM {}", table)))
        h.applied.emplace_back(row[0].c_str());
    std::sort(h.applied.begin(), h.applied.end(), VersionLess{});
    return h;
}

ToolHistory read_prisma(pqxx::transaction_base& tx, const std::string& table) {
    ToolHistory h;
    std::set<std::string> done;
    for (const auto& row : tx.exec(fmt::format("SELECT migration_name, checksum, finished_at IS NOT NULL, "
                                               "rolled_back_at IS NOT NULL FROM {} ORDER BY started_at, migration_name",
                                               table))) {
        const std::string name = row[0].c_str();
        const bool finished = row[2].as<bool>(), rolled_back = row[3].as<bool>();
        if (rolled_back) continue;
        if (!finished) {
            h.failed.push_back(name + " started but never finished");
            continue;
        }
        if (done.insert(name).second) {
            h.applied.push_back(name);
            h.checksums[name] = row[1].c_str();
        }
    }
    // A migration Prisma later finished (after `migrate resolve`) is not failed any more.
    std::erase_if(h.failed, [&](const std::string& f) { return done.count(f.substr(0, f.find(' '))) > 0; });
    return h;
}

}  // namespace

std::string_view to_string(Tool tool) {
    switch (tool) {
        case Tool::flyway: return "flyway";
        case Tool::golang_migrate: return "golang-migrate";
        case Tool::dbmate: return "dbmate";
        case Tool::prisma: return "prisma";
    }
    return "flyway";
}

Tool parse_tool(std::string_view name) {
    for (Tool t : {Tool::flyway, Tool::golang_migrate, Tool::dbmate, Tool::prisma})
        if (to_string(t) == name) return t;
    throw UsageError("unknown tool '" + std::string(name.substr(0, 40)) + "'",
                     "--from takes flyway, golang-migrate, dbmate or prisma");
}

Layout layout_of(Tool tool) {
    switch (tool) {
        case Tool::flyway: return Layout::flyway;
        case Tool::golang_migrate: return Layout::golang_migrate;
        case Tool::dbmate: return Layout::dbmate;
        case Tool::prisma: return Layout::prisma;
    }
    return Layout::tenantctl;
}

std::string_view default_history_table(Tool tool) {
    switch (tool) {
        case Tool::flyway: return "flyway_schema_history";
        case Tool::golang_migrate:
        case Tool::dbmate: return "schema_migrations";
        case Tool::prisma: return "_prisma_migrations";
    }
    return "";
}

int flyway_checksum(std::string_view content) {
    static const auto table = crc_table();
    std::uint32_t crc = 0xFFFFFFFFu;
    std::size_t pos = 0;
    bool first = true;
    while (pos < content.size()) {
        std::size_t end = pos;
        while (end < content.size() && content[end] != '\n' && content[end] != '\r') ++end;
        std::string_view line = content.substr(pos, end - pos);
        if (first && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
        first = false;
        for (unsigned char c : line) crc = table[(crc ^ c) & 0xFFu] ^ (crc >> 8);
        // \r\n, \n and \r each end one line (java.io.BufferedReader.readLine)
        if (end < content.size() && content[end] == '\r' && end + 1 < content.size() && content[end + 1] == '\n') ++end;
        pos = end + 1;
    }
    return static_cast<int>(static_cast<std::int32_t>(crc ^ 0xFFFFFFFFu));
}

AdoptReport adopt(Context& ctx, const AdoptOptions& o) {
    Selection sel = o.sel;
    if (!sel.layout) {
        // Supabase keeps a dbmate-like history (a version per applied file) for plain SQL
        // files with hyphenated names: a directory that is plainly Supabase's stays so.
        const Layout detected = detect_layout(sel.dir);
        sel.layout = o.from == Tool::dbmate && detected == Layout::supabase ? detected : layout_of(o.from);
    }
    std::vector<MigrationFile> files;
    for (auto& f : load_directory(sel.dir, sel.layout))
        if (f.scope == Scope::shared) files.push_back(std::move(f));

    std::unique_ptr<db::AdvisoryLock> lock;
    if (!ctx.dry_run()) lock = ctx.lock("migrate");
    platform::require_current(ctx);

    AdoptReport report;
    try {
        pqxx::work tx(ctx.db());
        report.history_table = resolve_table(tx, o.from, o.history_table);
        ToolHistory h;
        switch (o.from) {
            case Tool::flyway: h = read_flyway(tx, report.history_table); break;
            case Tool::golang_migrate: h = read_golang_migrate(tx, report.history_table, files); break;
            case Tool::dbmate: h = read_dbmate(tx, report.history_table); break;
            case Tool::prisma: h = read_prisma(tx, report.history_table); break;
        }
        if (!h.failed.empty()) {
            Refused error(fmt::format("the {} history in {} is dirty or failed: {}", to_string(o.from),
                                      report.history_table, h.failed.front()),
                          fmt::format("finish or undo that migration by hand and fix the history with {} itself "
                                      "(e.g. `migrate force`, `flyway repair`, `prisma migrate resolve`), then adopt",
                                      to_string(o.from)));
            for (const auto& f : h.failed) error.with_detail(f);
            throw error;
        }

        // version (or Prisma name) -> file
        std::map<std::string, const MigrationFile*, VersionLess> by_version;
        std::map<std::string, const MigrationFile*> by_id;
        std::map<std::string, const MigrationFile*> by_script;  // Flyway repeatables
        for (const auto& f : files) {
            by_version[f.version] = &f;
            by_id[f.id()] = &f;
            if (f.repeatable) by_script[std::filesystem::path(f.path).filename().string()] = &f;
        }
        auto file_for = [&](const std::string& key) -> const MigrationFile* {
            if (o.from == Tool::prisma) {
                auto it = by_id.find(key);
                return it == by_id.end() ? nullptr : it->second;
            }
            auto it = by_version.find(key);
            return it == by_version.end() ? nullptr : it->second;
        };
        std::vector<std::string> missing;
        for (const auto& v : h.applied)
            if (!file_for(v)) missing.push_back(v);
        if (!missing.empty()) {
            Refused error(fmt::format("{} records {} migration(s) with no file in {}: {}{}", to_string(o.from),
                                      missing.size(), sel.dir.string(), missing.front(),
                                      missing.size() > 1 ? ", ..." : ""),
                          "restore the files from version control (or point --dir at the right directory), then adopt");
            for (const auto& m : missing) error.with_detail(m);
            throw error;
        }

        const std::string ledger = ctx.platform_table("schema_migrations");
        std::map<std::string, std::string, VersionLess> recorded;  // version -> state
        for (const auto& row : tx.exec_params(fmt::format("SELECT version, state FROM {} WHERE target = $1", ledger),
                                              std::string(kSharedTarget)))
            recorded[row[0].c_str()] = row[1].c_str();

        auto insert = [&](const std::string& version, const std::string& name, const std::string& checksum,
                          const std::string& state, int statements) {
            tx.exec_params(fmt::format("INSERT INTO {} (target, version, name, checksum, state, statements_done, "
                                       "statements_total, applied_at, actor, run_id) "
                                       "VALUES ($1, $2, $3, $4, $5, $6, $6, now(), $7, $8)",
                                       ledger),
                           std::string(kSharedTarget), version, name, checksum, state, statements, ctx.actor(),
                           ctx.run_id());
        };

        if (h.baseline) {
            if (recorded.count(*h.baseline)) {
                report.rows.push_back({*h.baseline, "baseline", "already-recorded", ""});
            } else {
                std::string name = "baseline";
                if (auto it = by_version.find(*h.baseline); it != by_version.end()) name = it->second->name;
                insert(*h.baseline, name, "", "baseline", 0);
                recorded[*h.baseline] = "baseline";
                ++report.adopted;
                report.rows.push_back({*h.baseline, name, "baselined",
                                       "Flyway baseline: files up to it count as applied"});
            }
        }
        std::set<const MigrationFile*> adopted_files;
        for (const auto& key : h.applied) {
            const MigrationFile* f = file_for(key);
            adopted_files.insert(f);
            if (recorded.count(f->version)) {
                report.rows.push_back({f->version, f->name, "already-recorded", "in the tenantctl ledger"});
                continue;
            }
            std::string detail = "from " + report.history_table;
            if (o.from == Tool::prisma && h.checksums[key] != f->checksum)
                detail += "; the file changed since Prisma applied it";
            if (o.from == Tool::flyway)
                if (f->down_path != f->path) detail += "; undo file " + f->down_path;
            const int total = static_cast<int>(split_statements(f->up_sql, f->up_first_line, f->path).size());
            insert(f->version, f->name, f->checksum, "applied", total);
            recorded[f->version] = "applied";
            ++report.adopted;
            report.rows.push_back({f->version, f->name, "adopted", detail});
        }
        for (const auto& [script, crc] : h.repeatable_checksums) {
            auto it = by_script.find(script);
            if (it == by_script.end()) continue;  // a repeatable deleted since: nothing to run
            const MigrationFile* f = it->second;
            adopted_files.insert(f);
            if (recorded.count(f->version)) {
                report.rows.push_back({f->version, f->name, "already-recorded", "in the tenantctl ledger"});
                continue;
            }
            const bool same = flyway_checksum(read_source_file(f->path)) == crc;
            // A repeatable changed since Flyway ran it is recorded with Flyway's checksum, so `up` re-runs it.
            insert(f->version, f->name, same ? f->checksum : fmt::format("flyway-crc32:{}", crc), "applied",
                   static_cast<int>(split_statements(f->up_sql, f->up_first_line, f->path).size()));
            recorded[f->version] = "applied";
            ++report.adopted;
            report.rows.push_back({f->version, f->name, same ? "adopted" : "pending-rerun",
                                   same ? "repeatable, unchanged since Flyway ran it"
                                        : "repeatable changed since Flyway ran it: `migrate up` re-runs it"});
        }
        for (const auto& f : files) {
            if (adopted_files.count(&f) || recorded.count(f.version)) continue;
            if (h.baseline && !f.repeatable && compare_versions(f.version, *h.baseline) <= 0) continue;
            ++report.pending;
        }

        if (ctx.dry_run()) return report;  // the transaction rolls back
        if (report.adopted > 0) {
            if (!ctx.confirm(fmt::format("record {} migration(s) applied by {} in the tenantctl ledger?",
                                         report.adopted, to_string(o.from))))
                throw Aborted("adoption declined");
            audit::Event e;
            e.action = "migrate.adopt";
            e.resource_type = "migrations";
            e.resource_id = ctx.run_id();
            json versions = json::array();
            for (const auto& r : report.rows)
                if ((r.action == "adopted" || r.action == "baselined" || r.action == "pending-rerun") &&
                    versions.size() < 100)
                    versions.push_back(r.version);
            e.metadata = {{"from", std::string(to_string(o.from))},
                          {"history_table", report.history_table},
                          {"adopted", report.adopted},
                          {"pending", report.pending},
                          {"versions", versions}};
            audit::append(ctx, tx, e);
            tx.commit();
        }
    } catch (...) {
        db::rethrow_translated("adopting the " + std::string(to_string(o.from)) + " history");
    }
    return report;
}

}  // namespace tenantctl::migrate
