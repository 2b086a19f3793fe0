// The command tree is the single source of help, man pages and completions: check that
// every visible command is documented and that generated docs carry the exit-code table.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "cli/docs.hpp"
#include "cli/registry.hpp"
#include "core/errors.hpp"

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
