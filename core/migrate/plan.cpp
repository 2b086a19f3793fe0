#include "core/migrate/plan.hpp"

#include <algorithm>
#include <map>

#include "core/crypto/hash.hpp"

namespace tenantctl::migrate {

namespace {

std::string short_checksum(const std::string& checksum) { return checksum.substr(0, 12); }

std::string id_of(const AppliedMigration& row) { return row.version + "_" + row.name; }

bool before(const std::string& a, const std::string& b) { return compare_versions(a, b) < 0; }
bool after(const std::string& a, const std::string& b) { return compare_versions(a, b) > 0; }

// Transaction control inside a file that runs in tenantctl's transaction would commit part of
// it (or the ledger row without it): refused before anything runs.
void refuse_transaction_control(const MigrationFile& file, Direction direction) {
    if (file.no_transaction) {
        if (direction == Direction::up) transaction_blocks(file);  // refuses an unclosed BEGIN
        return;
    }
    const auto& tc = direction == Direction::up ? file.up_tx_control : file.down_tx_control;
    if (!tc) return;
    throw SourceError(direction == Direction::up ? file.path : file.down_path, tc->line, tc->col,
                      "'" + tc->word + "' in a migration that runs in one transaction with its ledger row; "
                      "nothing was run",
                      "remove the file's own transaction control, or add '-- tenantctl:no-transaction' to its header "
                      "so it runs statement by statement (its BEGIN ... COMMIT blocks then commit together with "
                      "their progress)");
}

std::string join(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
    return out;
}

int count_up_statements(const MigrationFile& file) {
    return static_cast<int>(split_statements(file.up_sql, file.up_first_line, file.path).size());
}

// Files and ledger rows keyed by version, plus the facts every planner needs.
class History {
public:
    History(const std::vector<MigrationFile>& files, const std::vector<AppliedMigration>& applied) {
        for (const auto& f : files) {
            if (!m_files.emplace(f.version, &f).second)
                throw UsageError("duplicate migration version " + f.version + ": " + m_files[f.version]->path +
                                 " and " + f.path);
        }
        for (const auto& row : applied) {
            m_rows[row.version] = &row;
            if (is_repeatable_version(row.version)) continue;  // re-run on change, never "newest"
            if (row.baseline && (!m_baseline || after(row.version, *m_baseline))) m_baseline = row.version;
            // A failed no-transaction migration has partly run, so a file older than it is out of order too.
            if (!m_newest_applied || after(row.version, m_newest_applied->version)) m_newest_applied = &row;
        }
    }

    const MigrationFile* file(const std::string& version) const {
        auto it = m_files.find(version);
        return it == m_files.end() ? nullptr : it->second;
    }
    const AppliedMigration* row(const std::string& version) const {
        auto it = m_rows.find(version);
        return it == m_rows.end() ? nullptr : it->second;
    }
    const std::map<std::string, const MigrationFile*, VersionLess>& files() const { return m_files; }
    const std::map<std::string, const AppliedMigration*, VersionLess>& rows() const { return m_rows; }
    const std::optional<std::string>& baseline() const { return m_baseline; }
    const AppliedMigration* newest_applied() const { return m_newest_applied; }

    bool covered_by_baseline(const std::string& version) const {
        return m_baseline && !is_repeatable_version(version) && !after(version, *m_baseline);
    }

private:
    std::map<std::string, const MigrationFile*, VersionLess> m_files;
    std::map<std::string, const AppliedMigration*, VersionLess> m_rows;
    std::optional<std::string> m_baseline;
    const AppliedMigration* m_newest_applied = nullptr;
};

void refuse_on_drift(const std::vector<MigrationFile>& files, const std::vector<AppliedMigration>& applied) {
    auto drift = verify(files, applied);
    if (drift.empty()) return;
    std::string message = describe(drift.front());
    if (drift.size() > 1) message += " (and " + std::to_string(drift.size() - 1) + " more)";
    IntegrityError error(message,
                         "`tenantctl migrate verify` lists every difference; restore the files, or accept the "
                         "change with `tenantctl migrate repair`");
    for (const auto& d : drift) error.with_detail(describe(d));
    throw error;
}

PlannedMigration plan_resume(const MigrationFile& file, const AppliedMigration& row) {
    int total = count_up_statements(file);
    if (row.statements_done > total)
        throw Refused("migration " + file.id() + " stopped after statement " + std::to_string(row.statements_done) +
                          " but the file now has only " + std::to_string(total),
                      "restore the statements that already ran, then fix only the failed one");
    if (!row.done_checksum.empty() && row.done_checksum != prefix_checksum(file, row.statements_done))
        throw Refused("migration " + file.id() + " stopped after statement " + std::to_string(row.statements_done) +
                          " and the statements that already ran have been edited since",
                      "restore statements 1-" + std::to_string(row.statements_done) +
                          " and fix only the failed one, or finish it by hand and record it with "
                          "`tenantctl migrate repair`");
    PlannedMigration planned{file};
    planned.first_statement = static_cast<std::size_t>(std::max(row.statements_done, 0));
    planned.resume = true;
    planned.changed_since_failure = row.done_checksum.empty() && row.checksum != file.checksum;
    return planned;
}

}  // namespace

std::map<std::size_t, std::size_t> transaction_blocks(const MigrationFile& file) {
    std::map<std::size_t, std::size_t> blocks;
    auto statements = split_statements(file.up_sql, file.up_first_line, file.path);
    constexpr std::size_t kNone = static_cast<std::size_t>(-1);
    std::size_t open = kNone;
    for (std::size_t i = 0; i < statements.size(); ++i) {
        const auto& st = statements[i];
        auto t = tokenize(st.sql, st.line, st.col, file.path);
        if (!is_transaction_control(t)) continue;
        const std::string& w = t[0].text;
        const bool starts = w == "begin" || w == "start";
        // ROLLBACK [WORK|TRANSACTION] TO [SAVEPOINT] x stays inside the block
        bool to_savepoint = false;
        for (std::size_t k = 1; k < t.size() && k < 4; ++k)
            if (t[k].kind == TokenKind::word && t[k].text == "to") to_savepoint = true;
        const bool ends = (w == "commit" || w == "end" || w == "rollback" || w == "abort") && !to_savepoint &&
                          !(t.size() > 1 && t[1].kind == TokenKind::word && t[1].text == "prepared");
        if (starts) {
            if (open != kNone)
                throw SourceError(file.path, st.line, st.col, "BEGIN inside a transaction block opened at line " +
                                                                  std::to_string(statements[open].line));
            open = i;
        } else if (ends && open != kNone) {
            blocks[open] = i;
            open = kNone;
        }
    }
    if (open != kNone)
        throw SourceError(file.path, statements[open].line, statements[open].col,
                          "transaction block is never closed (no COMMIT after this BEGIN)",
                          "end it with COMMIT; in a no-transaction file each BEGIN ... COMMIT block runs as one unit");
    return blocks;
}

std::string prefix_checksum(const MigrationFile& file, int statements) {
    auto all = split_statements(file.up_sql, file.up_first_line, file.path);
    auto n = std::min(all.size(), static_cast<std::size_t>(std::max(statements, 0)));
    crypto::Sha256Stream hash;
    for (std::size_t i = 0; i < n; ++i) {
        hash.update(all[i].sql);
        hash.update(std::string_view("\0", 1));
    }
    return hash.hex_final();
}

Plan plan_up(const std::vector<MigrationFile>& files, const std::vector<AppliedMigration>& applied,
             const std::optional<std::string>& to_version, bool allow_out_of_order) {
    if (to_version) require_valid_version(*to_version);
    History history(files, applied);
    if (to_version && !history.file(*to_version))
        throw NotFound("no migration file has version " + *to_version, "`tenantctl migrate status` lists the versions");
    refuse_on_drift(files, applied);

    const AppliedMigration* newest = history.newest_applied();
    Plan plan{Direction::up, {}};
    std::vector<std::string> out_of_order;
    for (const auto& [version, file] : history.files()) {
        if (file->repeatable) {
            // Flyway's rule: after the versioned files, whenever the checksum changed.
            if (to_version) break;
            const AppliedMigration* row = history.row(version);
            if (row && row->failed) {
                plan.migrations.push_back(plan_resume(*file, *row));
            } else if (!row || row->checksum != file->checksum) {
                plan.migrations.push_back(PlannedMigration{*file});
            }
            continue;
        }
        if (to_version && after(version, *to_version)) break;
        const AppliedMigration* row = history.row(version);
        if (row && row->failed) {
            plan.migrations.push_back(plan_resume(*file, *row));
            continue;
        }
        if (row || history.covered_by_baseline(version)) continue;
        PlannedMigration planned{*file};
        planned.out_of_order = newest && before(version, newest->version);
        if (planned.out_of_order) out_of_order.push_back(file->id());
        plan.migrations.push_back(std::move(planned));
    }

    if (!out_of_order.empty() && !allow_out_of_order) {
        Refused error(
            "migration " + out_of_order.front() + " is older than the newest applied " + id_of(*newest) +
                "; missing: " + join(out_of_order),
            "apply them anyway with --allow-out-of-order, or give them versions newer than " + newest->version);
        for (const auto& id : out_of_order) error.with_detail(id);
        throw error;
    }
    for (const auto& pm : plan.migrations) refuse_transaction_control(pm.file, Direction::up);
    return plan;
}

Plan plan_down(const std::vector<MigrationFile>& files, const std::vector<AppliedMigration>& applied,
               const DownTarget& target) {
    if (target.to_version) {
        require_valid_version(*target.to_version);
    } else if (target.steps < 1) {
        throw UsageError("--steps must be at least 1");
    }
    History history(files, applied);
    if (target.to_version) {
        const AppliedMigration* row = history.row(*target.to_version);
        if (!row || row->failed)
            throw NotFound("no applied migration has version " + *target.to_version,
                           "`tenantctl migrate status` lists the applied versions");
    }
    refuse_on_drift(files, applied);

    std::vector<const AppliedMigration*> revertible;  // newest first
    for (auto it = history.rows().rbegin(); it != history.rows().rend(); ++it)
        if (!it->second->baseline && !is_repeatable_version(it->first)) revertible.push_back(it->second);

    std::vector<const AppliedMigration*> selected;
    if (target.to_version) {
        if (history.baseline() && before(*target.to_version, *history.baseline()))
            throw Refused("cannot revert below the baseline " + *history.baseline(),
                          "migrations covered by `migrate baseline` never ran here and cannot be reverted");
        for (const auto* row : revertible)
            if (after(row->version, *target.to_version)) selected.push_back(row);
    } else if (!revertible.empty()) {
        auto steps = static_cast<std::size_t>(target.steps);
        if (steps > revertible.size())
            throw Refused("--steps " + std::to_string(target.steps) + " exceeds the " +
                              std::to_string(revertible.size()) + " applied migrations",
                          "use --steps " + std::to_string(revertible.size()) + " to revert them all");
        selected.assign(revertible.begin(), revertible.begin() + static_cast<std::ptrdiff_t>(steps));
    }

    Plan plan{Direction::down, {}};
    std::vector<std::string> without_down;
    for (const auto* row : selected) {
        if (row->failed)
            throw Refused("migration " + id_of(*row) + " stopped part-way (after statement " +
                              std::to_string(row->statements_done) + ") and cannot be reverted as a whole",
                          "finish it with `tenantctl migrate up`, or undo it by hand and remove its ledger row with "
                          "`tenantctl migrate repair`");
        const MigrationFile* file = history.file(row->version);  // present: refuse_on_drift checked
        if (!file->has_down) {
            without_down.push_back(file->id());
            continue;
        }
        refuse_transaction_control(*file, Direction::down);
        plan.migrations.push_back(PlannedMigration{*file});
    }
    if (!without_down.empty()) {
        Refused error(
            "migration " + without_down.front() + " has no down section" +
                (without_down.size() > 1 ? " (nor " + std::to_string(without_down.size() - 1) + " more)" : ""),
            "write its '-- migrate:down' section, or revert it by hand and remove its ledger row with "
            "`tenantctl migrate repair`");
        for (const auto& id : without_down) error.with_detail(id);
        throw error;
    }
    return plan;
}

std::string_view to_string(DriftKind kind) {
    return kind == DriftKind::checksum_changed ? "checksum-changed" : "file-missing";
}

std::string describe(const Drift& d) {
    std::string id = d.version + "_" + d.name;
    if (d.kind == DriftKind::file_missing) return id + ": in the ledger but its file is missing";
    return id + ": changed since it was applied (checksum " + short_checksum(d.applied_checksum) + ", file now " +
           short_checksum(d.file_checksum) + ")";
}

std::vector<Drift> verify(const std::vector<MigrationFile>& files, const std::vector<AppliedMigration>& applied) {
    History history(files, applied);
    std::vector<Drift> drift;
    for (const auto& [version, row] : history.rows()) {
        if (row->baseline) continue;
        const MigrationFile* file = history.file(version);
        if (!file) {
            drift.push_back({DriftKind::file_missing, version, row->name, "", row->checksum, ""});
        } else if (!row->failed && !file->repeatable && row->checksum != file->checksum) {
            drift.push_back(
                {DriftKind::checksum_changed, version, file->name, file->path, row->checksum, file->checksum});
        }
    }
    return drift;
}

std::string_view to_string(MigrationState state) {
    switch (state) {
        case MigrationState::applied: return "applied";
        case MigrationState::pending: return "pending";
        case MigrationState::failed: return "failed";
        case MigrationState::changed: return "changed";
        case MigrationState::missing_file: return "missing-file";
        case MigrationState::baselined: return "baselined";
    }
    return "unknown";
}

std::vector<StatusRow> status(const std::vector<MigrationFile>& files, const std::vector<AppliedMigration>& applied) {
    History history(files, applied);
    std::map<std::string, StatusRow, VersionLess> rows;
    for (const auto& [version, file] : history.files()) {
        StatusRow r{version, file->name, file->path, MigrationState::pending, "", file->checksum};
        const AppliedMigration* newest = history.newest_applied();
        r.out_of_order = newest && !file->repeatable && before(version, newest->version);
        if (history.covered_by_baseline(version)) {
            r.state = MigrationState::baselined;
            r.out_of_order = false;
        }
        rows.emplace(version, std::move(r));
    }
    for (const auto& [version, row] : history.rows()) {
        const MigrationFile* file = history.file(version);
        StatusRow& r = rows[version];
        r.version = version;
        r.applied_checksum = row->checksum;
        r.out_of_order = false;
        if (!file) {
            r.name = row->name;
            r.state = row->baseline ? MigrationState::baselined : MigrationState::missing_file;
        } else if (row->baseline) {
            r.state = MigrationState::baselined;
        } else if (row->failed) {
            r.state = MigrationState::failed;
            r.statements_done = row->statements_done;
            r.statements_total = count_up_statements(*file);
        } else if (row->checksum == file->checksum) {
            r.state = MigrationState::applied;
        } else {
            r.state = file->repeatable ? MigrationState::pending : MigrationState::changed;
        }
    }
    std::vector<StatusRow> out;
    out.reserve(rows.size());
    for (auto& [version, r] : rows) out.push_back(std::move(r));
    return out;
}

MigrationStatus summarize(const std::vector<StatusRow>& rows) {
    MigrationStatus s;
    for (const auto& r : rows) {
        switch (r.state) {
            case MigrationState::applied: ++s.applied; break;
            case MigrationState::pending: ++s.pending; break;
            case MigrationState::failed: ++s.failed; break;
            case MigrationState::changed: ++s.changed; break;
            case MigrationState::missing_file: ++s.missing_file; break;
            case MigrationState::baselined: ++s.baselined; break;
        }
    }
    return s;
}

}  // namespace tenantctl::migrate
