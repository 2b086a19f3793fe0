// Man pages generated from the Registry: tenantctl(1) plus tenantctl-GROUP(1) per command
// group. EXIT STATUS comes from the exit-code table in core/errors.cpp.
#include "cli/docs.hpp"

#include <fmt/format.h>

#include <set>

#include "core/errors.hpp"
#include "core/version.hpp"

namespace tenantctl::cli {

namespace {

// roff escaping: backslashes, and a leading dot or apostrophe would start a request.
std::string roff(std::string_view text) {
    std::string out;
    bool line_start = true;
    for (char c : text) {
        if (line_start && (c == '.' || c == '\'')) out += "\\&";
        if (c == '\\') out += "\\e";
        else if (c == '-') out += "\\-";
        else out.push_back(c);
        line_start = c == '\n';
    }
    return out;
}

std::string header(const std::string& title, const std::string& section_name) {
    return fmt::format(".TH \"{}\" \"1\" \"\" \"tenantctl {}\" \"{}\"\n", title, version(), section_name);
}

void option_list(std::string& out, const std::vector<OptionSpec>& options) {
    for (const auto& o : options) {
        if (o.hidden) continue;
        out += ".TP\n.B " + roff(o.display_name()) + "\n" + roff(o.help);
        if (o.required && !o.positional) out += " (required)";
        if (!o.choices.empty()) {
            std::string list;
            for (const auto& c : o.choices) list += (list.empty() ? "" : ", ") + c;
            out += " One of: " + roff(list) + ".";
        }
        if (!o.env.empty()) out += " Environment: \\fB" + roff(o.env) + "\\fR.";
        out += "\n";
    }
}

std::string synopsis(const CommandSpec& c) {
    std::string out = "tenantctl " + c.name();
    for (const auto& o : c.options) {
        if (o.hidden) continue;
        if (o.positional) out += " " + (o.required ? o.display_name() : "[" + o.display_name() + "]");
    }
    bool has_options = false;
    for (const auto& o : c.options) has_options = has_options || (!o.positional && !o.hidden);
    if (has_options) out += " [OPTIONS]";
    return out;
}

void command_section(std::string& out, const CommandSpec& c) {
    out += ".SS \"" + roff(c.name()) + "\"\n";
    out += roff(c.summary) + ".\n.PP\n.B " + roff(synopsis(c)) + "\n";
    if (!c.description.empty()) out += ".PP\n" + roff(c.description) + "\n";
    if (c.mutating)
        out += ".PP\nChanges data: \\fB\\-\\-dry\\-run\\fR shows what would happen; an audit event names the operator.\n";
    bool any = false;
    for (const auto& o : c.options) any = any || !o.hidden;
    if (any) {
        out += ".PP\nOptions:\n.RS\n";
        option_list(out, c.options);
        out += ".RE\n";
    }
    if (!c.examples.empty()) {
        out += ".PP\nExamples:\n.RS\n.nf\n";
        for (const auto& e : c.examples) out += roff(e) + "\n";
        out += ".fi\n.RE\n";
    }
}

std::string exit_status_section() {
    std::string out = ".SH \"EXIT STATUS\"\n";
    for (const auto& e : exit_table()) out += fmt::format(".TP\n.B {}\n{}\n", static_cast<int>(e.code), roff(e.meaning));
    return out;
}

}  // namespace

std::map<std::string, std::string> generate_man_pages(const Registry& r) {
    std::map<std::string, std::string> pages;
    std::set<std::string> group_names;
    for (const auto& c : r.commands())
        if (!c.hidden) group_names.insert(c.path.front());

    std::string main = header("TENANTCTL", "tenantctl manual");
    main += ".SH NAME\ntenantctl \\- operator toolkit for multi\\-tenant SaaS on PostgreSQL\n";
    main += ".SH SYNOPSIS\n.B tenantctl\n[\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]\n";
    main += ".SH DESCRIPTION\n"
            "tenantctl provisions tenants, rotates keys and re\\-encrypts data, runs migrations, exports and "
            "erases GDPR data, and queries, verifies and maintains the audit log, directly against the "
            "PostgreSQL database of a multi\\-tenant SaaS. Data goes to standard output in the format chosen "
            "with \\fB\\-o\\fR; logs, progress and errors go to standard error.\n";
    main += ".SH COMMANDS\n";
    for (const auto& name : group_names) {
        const GroupSpec* g = r.find_group(name);
        std::string page = "tenantctl-" + name;
        main += ".TP\n.B " + roff(name) + "\n" + roff(g ? g->summary : "") + " See \\fB" + roff(page) + "\\fR(1).\n";
    }
    main += ".SH \"GLOBAL OPTIONS\"\n";
    option_list(main, r.global_options());
    main += ".TP\n.B \\-\\-version\nprint the version and the git commit, then exit\n";
    main += ".TP\n.B \\-h, \\-\\-help\nprint help for the command, then exit\n";
    main += ".SH ENVIRONMENT\n"
            ".TP\n.B TENANTCTL_DATABASE_URL\nconnection string when neither \\-\\-database nor \\-\\-context is given\n"
            ".TP\n.B TENANTCTL_CONFIG\nconfiguration file when \\-\\-config is not given\n"
            ".TP\n.B TENANTCTL_ACTOR\noperator name recorded in audit events\n"
            ".TP\n.B TENANTCTL_MASTER_KEY_SOURCE\nmaster key source (env:NAME, file:PATH or cmd:COMMAND), "
            "overriding keys.master_key\n"
            ".TP\n.B NO_COLOR\ndisable colors\n"
            ".TP\n.B PGHOST, PGPORT, PGDATABASE, PGUSER, PGSERVICE\nlibpq defaults, used when nothing else names a database\n";
    main += ".SH FILES\n.TP\n.B ./tenantctl.yaml, $XDG_CONFIG_HOME/tenantctl/config.yaml\nconfiguration\n"
            ".TP\n.B $XDG_STATE_HOME/tenantctl/sandbox\nstate of the local sandbox server\n";
    main += exit_status_section();
    main += ".SH \"SEE ALSO\"\n";
    std::string see;
    for (const auto& name : group_names) see += (see.empty() ? "" : ",\n") + ("\\fBtenantctl\\-" + roff(name) + "\\fR(1)");
    main += see + "\n";
    pages["tenantctl.1"] = main;

    for (const auto& name : group_names) {
        const GroupSpec* g = r.find_group(name);
        std::string title = "TENANTCTL-" + name;
        for (auto& ch : title) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        std::string page = header(title, "tenantctl manual");
        page += ".SH NAME\ntenantctl\\-" + roff(name) + " \\- " + roff(g ? g->summary : name) + "\n";
        page += ".SH SYNOPSIS\n";
        for (const auto& c : r.commands())
            if (!c.hidden && c.path.front() == name) page += ".B " + roff(synopsis(c)) + "\n.br\n";
        if (g && !g->description.empty()) page += ".SH DESCRIPTION\n" + roff(g->description) + "\n";
        page += ".SH COMMANDS\n";
        for (const auto& c : r.commands())
            if (!c.hidden && c.path.front() == name) command_section(page, c);
        page += ".SH \"GLOBAL OPTIONS\"\nSee \\fBtenantctl\\fR(1).\n";
        page += exit_status_section();
        page += ".SH \"SEE ALSO\"\n\\fBtenantctl\\fR(1)\n";
        pages["tenantctl-" + name + ".1"] = page;
    }
    return pages;
}

}  // namespace tenantctl::cli
