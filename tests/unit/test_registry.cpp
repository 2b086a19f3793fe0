// The command tree is the single source of help, man pages and completions: check that
// every visible command is documented and that generated docs carry the exit-code table.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <tuple>

#include "cli/docs.hpp"
#include "cli/registry.hpp"
#include "core/errors.hpp"
#include "core/util/strings.hpp"

using namespace tenantctl;

TEST_CASE("every visible command has a summary, an example and a runner", "[cli][registry]") {
    cli::Registry r;
    cli::declare_all(r);
    REQUIRE_FALSE(r.commands().empty());
    std::set<std::string> names;
    for (const auto& c : r.commands()) {
        INFO(c.name());
        CHECK(names.insert(c.name()).second);  // declared once
        CHECK(c.run);
        if (c.hidden) continue;
        CHECK_FALSE(c.summary.empty());
        CHECK_FALSE(c.examples.empty());
        CHECK(r.find_group(c.path.front()) != nullptr);  // its group has a man page summary
        for (const auto& o : c.options) CHECK_FALSE(o.help.empty());
    }
}

TEST_CASE("the man page's EXIT STATUS lists every exit code", "[cli][docs]") {
    cli::Registry r;
    cli::declare_all(r);
    auto pages = cli::generate_man_pages(r);
    REQUIRE(pages.count("tenantctl.1"));
    const auto& main = pages["tenantctl.1"];
    auto section = main.substr(main.find(".SH \"EXIT STATUS\""));
    for (const auto& e : exit_table()) CHECK(section.find(".B " + std::to_string(static_cast<int>(e.code)) + "\n") != std::string::npos);
    for (const auto& g : r.groups())
        if (g.name.find(' ') == std::string::npos)  // a group below the top level ("keys jwt") is in its parent's page
            CHECK(pages.count("tenantctl-" + g.name + ".1"));
}

TEST_CASE("completion scripts know every visible command and option", "[cli][docs]") {
    cli::Registry r;
    cli::declare_all(r);
    for (std::string shell : {"bash", "zsh", "fish"}) {
        auto script = cli::completion_script(r, shell);
        for (const auto& c : r.commands()) {
            if (c.hidden) continue;
            CHECK(script.find(c.path.back()) != std::string::npos);
            for (const auto& o : c.options)
                for (const auto& n : o.long_names()) CHECK(script.find(n) != std::string::npos);
        }
        CHECK(script.find("__gen") == std::string::npos);
    }
    CHECK_THROWS_AS(cli::completion_script(r, "powershell"), UsageError);
}

TEST_CASE("option values are converted with the option named in errors", "[cli][registry]") {
    CHECK(cli::parse_option_value<int>("42", "--port") == 42);
    try {
        cli::parse_option_value<int>("4x", "--port");
        FAIL("expected UsageError");
    } catch (const UsageError& e) {
        CHECK(std::string(e.what()) == "--port: expected a number, got '4x'");
    }
}

TEST_CASE("every option naming an existing tenant completes tenant slugs from the database", "[cli][completion]") {
    cli::Registry r;
    cli::declare_all(r);
    int seen = 0;
    for (const auto& c : r.commands()) {
        if (c.name() == "tenant create") continue;  // its SLUG is a new name: nothing to offer
        for (const auto& o : c.options) {
            const auto longs = o.long_names();
            const bool names_tenant = (o.positional && o.flags == "SLUG") ||
                                      std::find(longs.begin(), longs.end(), "--tenant") != longs.end();
            if (!names_tenant) continue;
            ++seen;
            INFO(c.name() << " " << o.display_name());
            CHECK(o.completer == cli::Completer::tenant_slug);
        }
    }
    CHECK(seen > 20);
}

namespace {

const cli::OptionSpec* find_option(const cli::Registry& r, const std::string& command, const std::string& flags) {
    const auto* c = r.find(tenantctl::util::split(command, ' '));
    if (!c) return nullptr;
    for (const auto& o : c->options)
        if (o.flags == flags) return &o;
    return nullptr;
}

}  // namespace

TEST_CASE("options that name stored things complete them from the database or the config", "[cli][completion]") {
    cli::Registry r;
    cli::declare_all(r);
    const std::vector<std::tuple<std::string, std::string, cli::Completer>> expected = {
        {"config use-context", "NAME", cli::Completer::context},
        {"doctor", "--check", cli::Completer::doctor_check},
        {"gdpr requests show", "ID", cli::Completer::gdpr_request},
        {"gdpr requests close", "ID", cli::Completer::gdpr_request},
        {"gdpr export", "--request", cli::Completer::gdpr_request},
        {"gdpr erase", "--request", cli::Completer::gdpr_request},
        {"apikey revoke", "KEY", cli::Completer::api_key},
        {"apikey rotate", "KEY", cli::Completer::api_key},
        {"keys jwt activate", "KID", cli::Completer::jwt_kid},
        {"keys jwt retire", "KID", cli::Completer::jwt_kid},
        {"completion", "SHELL", cli::Completer::choices},
    };
    for (const auto& [command, flags, completer] : expected) {
        INFO(command << " " << flags);
        const auto* o = find_option(r, command, flags);
        REQUIRE(o != nullptr);
        CHECK(o->completer == completer);
    }
    const auto context = std::find_if(r.global_options().begin(), r.global_options().end(),
                                      [](const cli::OptionSpec& o) { return o.flags == "--context"; });
    REQUIRE(context != r.global_options().end());
    CHECK(context->completer == cli::Completer::context);
}

TEST_CASE("zsh and fish scripts describe commands and options in one line", "[cli][completion]") {
    cli::Registry r;
    cli::declare_all(r);
    for (std::string shell : {"zsh", "fish"}) {
        INFO(shell);
        const auto script = cli::completion_script(r, shell);
        CHECK(script.find("create\tCreate a tenant with its first data key") != std::string::npos);
        CHECK(script.find("--metrics-file\talso write the results as a Prometheus textfile") != std::string::npos);
        // The database options typed on the line reach `tenantctl __complete`.
        for (std::string flag : {"-d", "--database", "-c", "--config", "--context"})
            CHECK(script.find(flag) != std::string::npos);
        CHECK(script.find("__complete") != std::string::npos);
    }
}
