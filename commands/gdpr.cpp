// tenantctl gdpr export | erase | lint | requests list|show|close|add
#include <fmt/format.h>

#include "cli/registry.hpp"
#include "commands/commands.hpp"
#include "core/audit/append.hpp"
#include "core/context.hpp"
#include "core/gdpr/data_map.hpp"
#include "core/gdpr/erase.hpp"
#include "core/gdpr/export_subject.hpp"
#include "core/gdpr/export_tenant.hpp"
#include "core/gdpr/register.hpp"
#include "core/gdpr/session.hpp"
#include "core/platform/migrations.hpp"
#include "core/tenants/lookup.hpp"

namespace tenantctl::commands {

namespace {

struct ExportOptions {
    std::string tenant, subject, out, format = "zip", table_format = "ndjson", request;
    bool all = false, force = false;
};

// `-O -` puts the archive itself on stdout: never onto a terminal (binary noise the person
// did not mean to see, as curl and gh refuse too), and the report moves to stderr.
bool archive_to_stdout(const Context& ctx, const std::string& out) {
    if (out != "-") return false;
    if (ctx.terminal().stdout_tty)
        throw UsageError("refusing to write an archive to a terminal",
                         "redirect stdout (-O - > FILE, -O - | ssh HOST 'cat > FILE') or give -O FILE");
    return true;
}

Records export_report(Context& ctx, bool to_stdout, json report) {
    if (!to_stdout) return Records::doc(std::move(report));
    ctx.log().info(fmt::format("wrote the archive to stdout: request {}, sha256 {}", report["request_id"].get<std::string>(),
                               report["sha256"].get<std::string>()));
    return Records{};
}

Records run_export(Context& ctx, const ExportOptions& o) {
    std::optional<std::string> request = o.request.empty() ? std::nullopt : std::optional(o.request);
    if (o.all == !o.subject.empty()) throw UsageError("give exactly one of --subject SELECTOR or --all");
    const bool to_stdout = archive_to_stdout(ctx, o.out);
    if (o.all) {
        if (o.out.empty())
            throw UsageError("--all needs -O FILE.tar.gz (or -O - for stdout)", "the whole-tenant export is too big for a report");
        auto r = gdpr::export_tenant(ctx, {o.tenant, o.out, o.table_format, o.force, request});
        if (!to_stdout) ctx.log().info(fmt::format("wrote {} ({} tables, {} rows)", r.path.string(), r.tables.size(), r.rows));
        return export_report(ctx, to_stdout,
                             {{"request_id", r.request_id}, {"file", r.path.string()}, {"sha256", r.sha256},
                              {"rows", r.rows}, {"bytes", r.bytes}, {"tables", r.tables}});
    }
    gdpr::SubjectExportOptions so{o.tenant, o.subject, o.format, std::nullopt, o.force, request};
    if (!o.out.empty()) so.output = o.out;
    auto r = gdpr::export_subject(ctx, so);
    Records out;
    if (r.document) {
        out = Records::raw(r.document->dump(2) + "\n");
    } else {
        if (!to_stdout) ctx.log().info(fmt::format("wrote {}", r.path->string()));
        out = export_report(ctx, to_stdout,
                            {{"request_id", r.request_id}, {"file", r.path->string()}, {"sha256", r.sha256},
                             {"rows", r.tables}, {"audit_events", r.audit_events}});
    }
    if (r.undecryptable > 0) {
        out.exit = Exit::integrity;
        out.failure = fmt::format("{} encrypted value(s) did not decrypt; they are marked {{\"undecryptable\": true}}",
                                  r.undecryptable);
    }
    return out;
}

struct EraseOptions {
    std::string tenant, subject, out, request;
    bool force = false;
};

Records run_erase(Context& ctx, const EraseOptions& o) {
    gdpr::EraseOptions eo{o.tenant, o.subject, std::nullopt, o.force,
                          o.request.empty() ? std::nullopt : std::optional(o.request)};
    if (!o.out.empty() && o.out != "-") eo.output = o.out;  // `-O -` is stdout, the default
    auto r = gdpr::erase_subject(ctx, eo);
    if (ctx.dry_run()) {
        Records plan = Records::table({"table", "action", "rows", "detail"});
        for (const auto& t : r.receipt["tables"]) {
            std::string detail = t.contains("basis") ? "basis: " + t["basis"].get<std::string>()
                                 : t.contains("columns") ? "columns: " + t["columns"].dump()
                                                         : "";
            plan.add({t["table"], t["action"], t["rows"], detail});
        }
        ctx.log().info("dry run: nothing was changed");
        return plan;
    }
    if (r.path) {
        ctx.log().info(fmt::format("erased; receipt written to {}", r.path->string()));
        return Records::doc({{"request_id", r.request_id}, {"receipt", r.path->string()}, {"sha256", r.sha256}});
    }
    return Records::raw(r.receipt.dump(2) + "\n");
}

struct LintOptions {};

Records run_gdpr_lint(Context& ctx, const LintOptions&) {
    pqxx::read_transaction tx(ctx.db());
    std::vector<gdpr::LintFinding> findings;
    std::size_t relations = 0;
    for (const auto& map : gdpr::load_lint_maps(ctx, tx)) {
        for (auto& f : gdpr::lint(map, ctx.config().data)) findings.push_back(std::move(f));
        relations += map.model->relations().size();
    }
    Records r = Records::table({"table", "column", "problem"});
    for (const auto& f : findings) r.add({f.table, f.column, f.reason});
    if (!findings.empty()) {
        r.exit = Exit::check_failed;
        r.failure = fmt::format("{} tenant-scoped column(s) or table(s) are not classified by the data map",
                                findings.size());
    } else {
        ctx.log().info(fmt::format("every column of {} tenant-scoped table(s) is classified", relations));
    }
    return r;
}

struct ListOptions {
    std::string tenant;
    bool open = false, overdue = false;
};

Records run_gdpr_list(Context& ctx, const ListOptions& o) {
    platform::require_current(ctx);
    pqxx::read_transaction tx(ctx.db());
    gdpr::ListFilter f;
    if (!o.tenant.empty()) f.tenant_id = tenants::resolve(ctx, tx, o.tenant).id;
    f.open_only = o.open;
    f.overdue_only = o.overdue;
    return gdpr::list_requests(ctx, tx, f);
}

struct ShowOptions {
    std::string id;
};

Records run_show(Context& ctx, const ShowOptions& o) {
    platform::require_current(ctx);
    pqxx::read_transaction tx(ctx.db());
    return Records::doc(gdpr::show_request(ctx, tx, o.id));
}

struct CloseOptions {
    std::string id, note;
};

Records run_close(Context& ctx, const CloseOptions& o) {
    platform::require_current(ctx);
    pqxx::work tx(ctx.db());
    auto note = o.note.empty() ? std::nullopt : std::optional(o.note);
    auto before = gdpr::show_request(ctx, tx, o.id);
    if (ctx.dry_run()) return Records::doc(before);
    auto doc = gdpr::close_request(ctx, tx, o.id, note);
    auto tenant = tenants::resolve(ctx, tx, doc["tenant"].get<std::string>());
    audit::append(ctx, tx, gdpr::request_event(tenant.id, "gdpr.request.close", o.id));
    tx.commit();
    return Records::doc(doc);
}

struct AddOptions {
    std::string tenant, kind, subject, received, note;
};

Records run_add(Context& ctx, const AddOptions& o) {
    platform::require_current(ctx);
    if (o.kind != "export" && o.kind != "erase" && o.kind != "export_all")
        throw UsageError("--kind: expected export, erase or export_all");
    pqxx::work tx(ctx.db());
    auto tenant = tenants::resolve(ctx, tx, o.tenant);
    if (ctx.dry_run()) return Records::doc({{"tenant", tenant.slug}, {"kind", o.kind}, {"status", "open"}});
    auto opt = [](const std::string& s) { return s.empty() ? std::nullopt : std::optional(s); };
    // The register names subjects by key only: a selector (email:...) is resolved to "key:<id>"
    // (the note is free text).
    std::string subject = o.subject;
    if (!subject.empty() && o.kind != "export_all") subject = gdpr::canonical_subject(ctx, tx, tenant, subject);
    auto id = gdpr::add_request(ctx, tx, tenant.id, o.kind, subject, opt(o.received), opt(o.note));
    audit::append(ctx, tx, gdpr::request_event(tenant.id, "gdpr.request.add", id, json{{"kind", o.kind}}));
    auto doc = gdpr::show_request(ctx, tx, id);
    tx.commit();
    return Records::doc(doc);
}

}  // namespace

void declare_gdpr(cli::Registry& r) {
    r.command<ExportOptions>("gdpr export", "Export one data subject's data, or a whole tenant")
        .option("--tenant", &ExportOptions::tenant, "tenant slug", "SLUG")
        .required()
        .complete(cli::Completer::tenant_slug)
        .option("--subject", &ExportOptions::subject, "the person: email:ADDRESS, id:KEY or COLUMN:VALUE", "SELECTOR")
        .flag("--all", &ExportOptions::all, "export every tenant-scoped table of the tenant (needs -O FILE.tar.gz, or FILE.tar.zst for zstd)")
        .option("-O,--output-file", &ExportOptions::out,
                "where to write (created 0600; - for stdout; default for --subject: ./gdpr-export-<request id>.zip)", "FILE")
        .complete(cli::Completer::file)
        .option("--format", &ExportOptions::format, "subject export as a zip file or one JSON document on stdout",
                "FORMAT")
        .choices({"zip", "json"})
        .option("--table-format", &ExportOptions::table_format, "file format per table for --all", "FORMAT")
        .choices({"ndjson", "csv"})
        .flag("--force", &ExportOptions::force, "overwrite an existing -O file")
        .option("--request", &ExportOptions::request, "complete this open request (gdpr requests add)", "ID")
        .complete(cli::Completer::gdpr_request)
        .description("A subject export finds every row of the person in every tenant-scoped table the data map "
                     "reaches (data.subjects, data.tables and foreign keys from the subject table), decrypts "
                     "encrypted columns, adds the audit events where the person is actor or target and the "
                     "processing information of Art. 15(1), and writes a zip with a manifest of SHA-256 "
                     "checksums. --all streams every tenant-scoped table of the tenant with COPY into a tar.gz. "
                     "Every export is recorded in the request register and the audit log. The file appears "
                     "under its name only when complete. Exits 8 when an encrypted value did not decrypt (the "
                     "export is still written, with the value marked).")
        .example("tenantctl gdpr export --tenant acme --subject email:alice@example.com -O alice.zip")
        .example("tenantctl gdpr export --tenant acme --subject id:6f1c... --format json | jq .data")
        .example("tenantctl gdpr export --tenant acme --all -O acme-2025-01-31.tar.gz")
        .run(run_export);

    r.command<EraseOptions>("gdpr erase", "Erase one data subject as the data map says, with a receipt")
        .option("--tenant", &EraseOptions::tenant, "tenant slug", "SLUG")
        .required()
        .complete(cli::Completer::tenant_slug)
        .option("--subject", &EraseOptions::subject, "the person: email:ADDRESS, id:KEY or COLUMN:VALUE", "SELECTOR")
        .required()
        .option("-O,--output-file", &EraseOptions::out, "write the receipt here (0600) instead of stdout (- is stdout)", "FILE")
        .complete(cli::Completer::file)
        .flag("--force", &EraseOptions::force, "overwrite an existing -O file")
        .option("--request", &EraseOptions::request, "complete this open request (gdpr requests add)", "ID")
        .complete(cli::Completer::gdpr_request)
        .mutating()
        .description("Per table as the data map says: delete rows, anonymize the listed columns (null, redact or "
                     "a keyed hash), or retain them under a legal basis. Everything happens in one transaction, "
                     "which also replaces the person's identifiers in audit events by a keyed pseudonym, records "
                     "the receipt in the request register and appends a gdpr.erase event; before COMMIT the "
                     "subject queries are re-run and must find nothing erasable (else: rollback, exit 8). "
                     "Foreign-key cycles are handled: children before parents, deferred constraints where "
                     "deferrable, else the nullable side is nulled first. Audit months that `audit partitions "
                     "prune` archived before the erasure keep the person's identifiers in their archives, which "
                     "erasure never rewrites: the receipt lists them (audit_archives_not_erased) and a warning "
                     "says so. Use --dry-run for the plan.")
        .example("tenantctl gdpr erase --tenant acme --subject email:alice@example.com --dry-run")
        .example("tenantctl gdpr erase --tenant acme --subject email:alice@example.com -y -O receipt.json")
        .run(run_erase);

    r.command<LintOptions>("gdpr lint", "List tenant-scoped columns the data map does not classify (exit 3)")
        .description("Checks the data map against the database: every name it uses must exist (exit 2 "
                     "otherwise), and every column of every tenant-scoped table must be classified as pii, "
                     "encrypted, non_pii, the subject column, a key or a reference. Unclassified columns, and "
                     "tables reached from the subject without an erase action, are listed and the exit code is "
                     "3, so CI fails when a migration adds personal data nobody mapped.")
        .example("tenantctl gdpr lint")
        .run(run_gdpr_lint);

    r.command<ListOptions>("gdpr requests list", "List GDPR requests with their due dates")
        .option("--tenant", &ListOptions::tenant, "only this tenant", "SLUG")
        .complete(cli::Completer::tenant_slug)
        .flag("--open", &ListOptions::open, "only requests not yet answered")
        .flag("--overdue", &ListOptions::overdue, "only open requests past their due date")
        .example("tenantctl gdpr requests list --overdue -o json")
        .run(run_gdpr_list);
    r.command<ShowOptions>("gdpr requests show", "Show one GDPR request, with its erasure receipt")
        .positional("ID", &ShowOptions::id, "request id")
        .complete(cli::Completer::gdpr_request)
        .example("tenantctl gdpr requests show 3b0c...")
        .run(run_show);
    r.command<CloseOptions>("gdpr requests close", "Close a GDPR request (the person was answered)")
        .positional("ID", &CloseOptions::id, "request id")
        .complete(cli::Completer::gdpr_request)
        .option("--note", &CloseOptions::note, "why or how it was closed", "TEXT")
        .mutating()
        .example("tenantctl gdpr requests close 3b0c... --note 'sent by secure mail'")
        .run(run_close);
    r.command<AddOptions>("gdpr requests add", "Register a request received now, to answer within a month")
        .option("--tenant", &AddOptions::tenant, "tenant slug", "SLUG")
        .required()
        .complete(cli::Completer::tenant_slug)
        .option("--kind", &AddOptions::kind, "what was asked", "KIND")
        .required()
        .choices({"export", "erase", "export_all"})
        .option("--subject", &AddOptions::subject, "a reference to the person (e.g. id:KEY; avoid emails here)",
                "REF")
        .option("--received", &AddOptions::received, "when it was received (RFC 3339; default now)", "TIME")
        .option("--note", &AddOptions::note, "free text", "TEXT")
        .mutating()
        .description("The due date is one month after receipt (Art. 12(3)). `gdpr export` or `gdpr erase` with "
                     "--request ID completes it; `doctor` fails while a request is open past its due date.")
        .example("tenantctl gdpr requests add --tenant acme --kind erase --subject id:6f1c... --received 2025-01-31T09:00:00Z")
        .run(run_add);
}

}  // namespace tenantctl::commands
