#include "core/gdpr/export_subject.hpp"

#include <fmt/format.h>

#include "core/audit/append.hpp"
#include "core/context.hpp"
#include "core/crypto/fernet.hpp"
#include "core/crypto/hash.hpp"
#include "core/db/connection.hpp"
#include "core/gdpr/archive.hpp"
#include "core/gdpr/register.hpp"
#include "core/gdpr/session.hpp"
#include "core/keys/data_keys.hpp"
#include "core/platform/migrations.hpp"
#include "core/util/strings.hpp"
#include "core/version.hpp"
#include "core/util/duration.hpp"

namespace tenantctl::gdpr {

namespace {

// Decrypts a Fernet token with the first key whose HMAC verifies (newest first).
json decrypt(const std::vector<keys::UnwrappedKey>& keys, const std::string& token, long long& failures) {
    for (const auto& k : keys) {
        if (!crypto::fernet_verify(k.key, token)) continue;
        try {
            auto plain = crypto::fernet_decrypt(k.key, token);
            auto text = plain.plaintext.view();
            if (util::valid_utf8_prefix(text) == text.size()) return std::string(text);
            return json{{"base64", crypto::base64_encode(text)}};
        } catch (const crypto::InvalidToken&) {
            break;
        }
    }
    ++failures;
    return json{{"undecryptable", true}};
}

const char* kReadme =
    "Your personal data\n"
    "==================\n\n"
    "This archive answers your request for access to the personal data we hold about you\n"
    "(GDPR Articles 15 and 20).\n\n"
    "  data/<table>.json   every record about you, one JSON file per kind of record\n"
    "  audit.json          the recorded actions you took or that concerned you; other people's\n"
    "                      identities are redacted\n"
    "  processing.json     why and how we process your data: purposes, categories, recipients,\n"
    "                      retention, your rights, where the data came from\n"
    "  manifest.json       the request id, when this was produced, and a SHA-256 checksum and\n"
    "                      record count for every file, so you can check nothing is missing\n\n"
    "JSON files open in any text editor or spreadsheet tool. If something is unclear or\n"
    "incorrect, reply to us quoting the request id from manifest.json.\n";

}  // namespace

SubjectExportResult export_subject(Context& ctx, const SubjectExportOptions& o) {
    if (o.format != "zip" && o.format != "json") throw UsageError("--format: expected zip or json");
    if (o.format == "json" && o.output && !is_stdout_target(*o.output))
        throw UsageError("--format json writes to stdout; -O is for zip");
    platform::require_current(ctx);

    SubjectExportResult result;
    result.request_id = o.request.value_or(new_request_id());
    std::unique_ptr<ArchiveWriter> archive;
    if (o.format == "zip") {
        result.path = o.output.value_or(std::filesystem::path(fmt::format("gdpr-export-{}.zip", result.request_id)));
        // Opened before reading anything: an existing or unwritable target fails first.
        archive = std::make_unique<ArchiveWriter>(*result.path, ArchiveFormat::zip, o.force);
    }

    pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(ctx.db());
    auto s = open_session(ctx, tx, o.tenant, o.selector);
    auto keys = keys::load_usable_keys(ctx, tx, s.tenant.id);
    if (o.request) require_open_request(ctx, tx, s.tenant.id, *o.request, "export");

    json manifest_files = json::array();
    std::vector<std::pair<std::string, std::string>> files;  // name, content
    json data = json::object();
    for (std::size_t i = 0; i < s.map.reached.size(); ++i) {
        const auto& t = s.map.reached[i];
        std::string order = t.primary_key.empty() ? "1" : "";
        for (const auto& c : t.primary_key) order += (order.empty() ? "t." : ", t.") + db::quote_ident(c);
        auto rows = query_subject(tx, s, s.map.select(i, "row_to_json(t)::text", "t") + " ORDER BY " + order);
        json list = json::array();
        for (const auto& r : rows) {
            auto row = json::parse(r[0].c_str());
            if (t.config)
                for (const auto& c : t.config->encrypted)
                    if (row.contains(c) && row[c].is_string())
                        row[c] = decrypt(keys, row[c].get<std::string>(), result.undecryptable);
            list.push_back(std::move(row));
        }
        result.tables[t.name.display()] = rows.size();
        std::string name = "data/" + t.name.display() + ".json";
        if (archive) files.emplace_back(name, list.dump(2));
        data[t.name.display()] = std::move(list);
    }

    // Audit events where the subject is the actor or the target; another person's identity
    // is redacted (Art. 15(4)).
    json ids = s.subject.identifiers;
    auto events = tx.exec_params(
        fmt::format("SELECT json_build_object('occurred_at', occurred_at, 'action', action, 'actor_type', actor_type, "
                    "  'actor_id', CASE WHEN actor_id IN (SELECT jsonb_array_elements_text($2::jsonb)) "
                    "                     OR actor_type <> 'user' THEN actor_id ELSE '[redacted]' END, "
                    "  'resource_type', resource_type, 'resource_id', resource_id, 'ip', "
                    "  CASE WHEN actor_id IN (SELECT jsonb_array_elements_text($2::jsonb)) THEN ip END, "
                    "  'metadata', metadata)::text "
                    "FROM {} WHERE tenant_id = $1::uuid AND (actor_id IN (SELECT jsonb_array_elements_text($2::jsonb)) "
                    "  OR resource_id IN (SELECT jsonb_array_elements_text($2::jsonb))) ORDER BY occurred_at, id",
                    ctx.platform_table("audit_log")),
        s.tenant.id, ids.dump());
    json audit_list = json::array();
    for (const auto& r : events) audit_list.push_back(json::parse(r[0].c_str()));
    result.audit_events = static_cast<long long>(events.size());
    tx.commit();

    json processing = ctx.config().data.processing;
    json categories = json::object();
    for (const auto& t : s.map.reached)
        if (t.config) {
            json cols = t.config->pii;
            for (const auto& c : t.config->encrypted) cols.push_back(c);
            categories[t.name.display()] = cols;
        }
    processing["personal_data_by_table"] = categories;

    json manifest = {{"request_id", result.request_id},
                     {"tenant", s.tenant.slug},
                     {"subject", s.subject.canonical()},
                     {"generated_at", util::format_rfc3339(ctx.now())},
                     {"tool", fmt::format("tenantctl {}", version())},
                     {"undecryptable_values", result.undecryptable}};

    if (archive) {
        files.emplace_back("audit.json", audit_list.dump(2));
        files.emplace_back("processing.json", processing.dump(2));
        files.emplace_back("README.txt", kReadme);
        for (const auto& [name, content] : files) {
            json entry = {{"name", name}, {"sha256", crypto::sha256_hex(content)}, {"bytes", content.size()}};
            if (name.rfind("data/", 0) == 0) entry["rows"] = result.tables[name.substr(5, name.size() - 10)];
            if (name == "audit.json") entry["rows"] = result.audit_events;
            manifest_files.push_back(entry);
        }
        manifest["files"] = manifest_files;
        archive->add("manifest.json", manifest.dump(2));
        for (const auto& [name, content] : files) archive->add(name, content);
        result.sha256 = archive->commit();
    } else {
        manifest["rows"] = result.tables;
        json doc = {{"manifest", manifest}, {"data", data}, {"audit", audit_list}, {"processing", processing}};
        result.sha256 = crypto::sha256_hex(doc.dump());
        result.document = std::move(doc);
    }

    // The register row and our audit event exist exactly when the artifact does.
    pqxx::work w(ctx.db());
    RequestRecord rec;
    rec.tenant_id = s.tenant.id;
    rec.id = result.request_id;
    rec.kind = "export";
    rec.subject = s.subject.canonical();
    rec.artifact_sha256 = result.sha256;
    rec.artifact = result.path && !is_stdout_target(*result.path) ? result.path->filename().string() : std::string("stdout");
    if (result.undecryptable) {
        // The command exits 8: the request is not answered until the values decrypt.
        rec.status = "failed";
        rec.note = fmt::format("{} value(s) did not decrypt", result.undecryptable);
    }
    result.request_id = record_request(ctx, w, rec, o.request);
    audit::append(ctx, w,
                  gdpr::request_event(s.tenant.id, "gdpr.export", result.request_id,
                   json{{"subject", subject_pseudonym(ctx, w, s)}, {"format", o.format}, {"sha256", result.sha256},
                        {"rows", result.tables}, {"audit_events", result.audit_events},
                        {"undecryptable", result.undecryptable}}));
    w.commit();
    return result;
}

}  // namespace tenantctl::gdpr
