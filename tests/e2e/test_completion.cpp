// End-to-end: the generated completion scripts in real bash, zsh and fish, against the built
// binary and the test server. Completion must follow the -d/--database, --context and
// -c/--config already typed, stop offering a positional's values once it is filled, show
// descriptions in zsh and fish, and treat every candidate as data.
//
// How each shell is driven: bash through its completion variables (COMP_LINE, COMP_WORDS,
// COMP_CWORD, set as readline would) and the _tenantctl function; fish through its own
// `complete -C`; zsh through _tenantctl with `words`/CURRENT set and compadd replaced by a
// function that prints what it was given (the real compadd only works inside a live
// completion widget).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/test_support.hpp"

using namespace tenantctl;
using test::run_cli;

namespace {

std::string sh_quote(const std::string& text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// Two databases with different tenants, the completion scripts, and a clean environment in
// which the default database (TENANTCTL_DATABASE_URL) is `first`.
struct Shells {
    test::TestDatabase first;
    test::TestDatabase second;
    test::TempDir home;
    std::filesystem::path root = TENANTCTL_SOURCE_DIR;

    Shells() {
        REQUIRE(run_cli({"tenant", "create", "alpha", "--name", "Alpha Corp"}, &first).exit_code == 0);
        REQUIRE(run_cli({"tenant", "create", "apex"}, &first).exit_code == 0);
        REQUIRE(run_cli({"tenant", "create", "beta", "--name", "Beta GmbH"}, &second).exit_code == 0);
        REQUIRE(run_cli({"tenant", "create", "bravo"}, &second).exit_code == 0);
    }

    // Runs `script` in `program` (bash, zsh, fish) inside `home`, with the built binary first
    // on PATH; stdout and stderr together.
    std::string run(const std::string& program, const std::string& script) const {
        auto env = test::cli_environment(&first, {}, home.path());
        env["PATH"] = std::filesystem::path(TENANTCTL_BINARY).parent_path().string() + ":" + env["PATH"];
        std::string command = "cd " + sh_quote(home.path().string()) + " && env -i";
        for (const auto& [k, v] : env) command += " " + sh_quote(k + "=" + v);
        command += " " + program + " -c " + sh_quote(script) + " 2>&1";
        std::string out;
        FILE* p = ::popen(command.c_str(), "r");
        char buf[4096];
        while (p && std::fgets(buf, sizeof buf, p)) out += buf;
        const int status = p ? ::pclose(p) : -1;
        if (status != 0) out += "[exit " + std::to_string(status) + "]";
        return out;
    }

    // What bash's completion function offers for `line` (the cursor at its end). `words` are
    // COMP_WORDS as bash splits the line (at blanks and at ':' and '=' outside quotes).
    std::string bash(const std::string& line, const std::vector<std::string>& words) const {
        std::string array;
        for (const auto& w : words) array += " " + sh_quote(w);
        return run("bash", "source " + sh_quote((root / "completions" / "tenantctl.bash").string()) +
                               "; COMP_LINE=" + sh_quote(line) + "; COMP_POINT=${#COMP_LINE}; COMP_WORDS=(" +
                               array + "); COMP_CWORD=" + std::to_string(words.size() - 1) +
                               "; _tenantctl; for w in \"${COMPREPLY[@]}\"; do printf '%s\\n' \"$w\"; done");
    }

    // What zsh's completion function hands to compadd for `words` (the last one is the word at
    // the cursor): one line per candidate as the menu shows it.
    std::string zsh(const std::vector<std::string>& words) const {
        std::string array;
        for (const auto& w : words) array += " " + sh_quote(w);
        const std::string fake_compadd = R"(compadd() {
    local -a fake_display
    while (( $# )); do
        case "$1" in
            -d) fake_display=("${(@P)2}"); shift 2 ;;
            --) shift; break ;;
            *) shift ;;
        esac
    done
    print -rl -- "${fake_display[@]}"
}
)";
        return run("zsh", "autoload -U compinit; compinit -u -d " + sh_quote((home / "zcompdump").string()) +
                              "; source " + sh_quote((root / "completions" / "_tenantctl").string()) + "; " +
                              fake_compadd + "words=(" + array + "); CURRENT=" + std::to_string(words.size()) +
                              "; _tenantctl");
    }

    // fish's own completion of `line`: "candidate<TAB>description" lines. An installed
    // tenantctl.fish (a package's, in vendor_completions.d) would be autoloaded over the
    // script under test: fish_complete_path is emptied first.
    std::string fish(const std::string& line) const {
        return run("fish", "set fish_complete_path; source " + sh_quote((root / "completions" / "tenantctl.fish").string()) +
                               "; complete -C " + sh_quote(line));
    }
};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("completion offers the slugs of the database that -d on the line names", "[e2e][completion]") {
    Shells s;
    const std::string url = s.second.url();
    const std::string quoted = "'" + url + "'";

    CHECK(s.bash("tenantctl tenant show ", {"tenantctl", "tenant", "show", ""}) == "alpha\napex\n");
    CHECK(s.bash("tenantctl -d " + quoted + " tenant show ", {"tenantctl", "-d", quoted, "tenant", "show", ""}) ==
          "beta\nbravo\n");
    // bash splits `--database=...` at '=': the words are joined again before they are read.
    CHECK(s.bash("tenantctl --database=" + quoted + " tenant show b",
                 {"tenantctl", "--database", "=", quoted, "tenant", "show", "b"}) == "beta\nbravo\n");
    // Global options may follow the command, and an option's value counts as the database's.
    CHECK(s.bash("tenantctl keys rotate -d " + quoted + " --tenant ",
                 {"tenantctl", "keys", "rotate", "-d", quoted, "--tenant", ""}) == "beta\nbravo\n");

    CHECK(s.fish("tenantctl tenant suspend ") == "alpha\tAlpha Corp\napex\n");
    CHECK(s.fish("tenantctl -d " + quoted + " tenant suspend ") == "beta\tBeta GmbH\nbravo\n");
    CHECK(s.fish("tenantctl --database=" + quoted + " tenant suspend ") == "beta\tBeta GmbH\nbravo\n");

    CHECK(s.zsh({"tenantctl", "tenant", "show", ""}) == "alpha  -- Alpha Corp\napex\n");
    CHECK(s.zsh({"tenantctl", "-d", quoted, "tenant", "show", ""}) == "beta  -- Beta GmbH\nbravo\n");
}

TEST_CASE("completion from a database that does not answer is empty, silent and exit 0", "[e2e][completion]") {
    // Nothing listens on port 1; -v would log the connection attempt if anything were said.
    auto r = run_cli({"__complete", "tenants", "-d", "postgresql://127.0.0.1:1/nothing", "-v"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.empty());
    test::TestDatabase empty(false);  // no platform schema
    auto bare = run_cli({"__complete", "jwt-kids"}, &empty);
    CHECK(bare.exit_code == 0);
    CHECK(bare.out.empty());
}

TEST_CASE("completion of --context offers the config file's contexts, then uses the chosen one", "[e2e][completion]") {
    Shells s;
    const auto config = s.home / "ops.yaml";
    test::write_file(config, "current_context: prod\ncontexts:\n  prod:\n    database: " + s.first.url() +
                                 "\n  staging:\n    database: " + s.second.url() + "\n");
    const std::string c = config.string();

    CHECK(s.bash("tenantctl -c " + c + " --context ", {"tenantctl", "-c", c, "--context", ""}) == "prod\nstaging\n");
    CHECK(s.bash("tenantctl -c " + c + " --context staging tenant show ",
                 {"tenantctl", "-c", c, "--context", "staging", "tenant", "show", ""}) == "beta\nbravo\n");
    CHECK(s.bash("tenantctl -c " + c + " config use-context s",
                 {"tenantctl", "-c", c, "config", "use-context", "s"}) == "staging\n");

    const auto fish = s.fish("tenantctl --config " + c + " --context ");
    CHECK(contains(fish, "prod\t"));
    CHECK(contains(fish, "(current)\n"));
    CHECK(contains(fish, "staging\t"));
    CHECK_FALSE(contains(fish, "postgres@"));  // the description names the target, not the URL
    CHECK(s.fish("tenantctl --config=" + c + " --context=staging tenant show ") == "beta\tBeta GmbH\nbravo\n");

    CHECK(contains(s.zsh({"tenantctl", "-c", c, "--context", ""}), "staging  -- "));
    CHECK(s.zsh({"tenantctl", "-c", c, "--context", "staging", "tenant", "show", ""}) == "beta  -- Beta GmbH\nbravo\n");
}

TEST_CASE("completion stops offering a positional once it is filled", "[e2e][completion]") {
    Shells s;
    CHECK(s.bash("tenantctl tenant show alpha ", {"tenantctl", "tenant", "show", "alpha", ""}).empty());
    // An option's value is not the positional: after `-o json` the slug is still open.
    CHECK(s.bash("tenantctl tenant show -o json ", {"tenantctl", "tenant", "show", "-o", "json", ""}) ==
          "alpha\napex\n");
    CHECK(s.fish("tenantctl tenant show alpha ").empty());
    CHECK(s.fish("tenantctl tenant show -o json ") == "alpha\tAlpha Corp\napex\n");
    CHECK(s.zsh({"tenantctl", "tenant", "show", "alpha", ""}).empty());
    // The shell of `completion` is a positional with choices.
    CHECK(s.bash("tenantctl completion ", {"tenantctl", "completion", ""}) == "bash\nzsh\nfish\n");
    CHECK(s.bash("tenantctl completion zsh ", {"tenantctl", "completion", "zsh", ""}).empty());
}

TEST_CASE("completion in zsh and fish describes commands, options and values", "[e2e][completion]") {
    Shells s;
    const auto fish_groups = s.fish("tenantctl ten");
    CHECK(contains(fish_groups, "tenant\t"));
    CHECK(s.fish("tenantctl tenant cr") == "create\tCreate a tenant with its first data key\n");
    CHECK(contains(s.fish("tenantctl doctor --"), "--metrics-file\talso write the results as a Prometheus textfile"));
    const auto checks = s.fish("tenantctl doctor --check ");
    CHECK(contains(checks, "connection\t"));
    CHECK(contains(checks, "rls\t"));

    const auto zsh_commands = s.zsh({"tenantctl", "tenant", ""});
    CHECK(contains(zsh_commands, "create  -- Create a tenant with its first data key\n"));
    CHECK(contains(s.zsh({"tenantctl", "doctor", "--"}), "--metrics-file  -- also write the results"));
    CHECK(contains(s.zsh({"tenantctl", "doctor", "--check", ""}), "connection  -- "));
}

TEST_CASE("completion offers JWT kids, API-key prefixes and GDPR request ids from the database", "[e2e][completion]") {
    Shells s;
    auto kid = run_cli({"keys", "jwt", "rotate", "-o", "json"}, &s.first);
    REQUIRE(kid.exit_code == 0);
    auto key = run_cli({"apikey", "create", "--tenant", "alpha", "--name", "ci", "--scope", "read", "-o", "json"},
                       &s.first);
    REQUIRE(key.exit_code == 0);
    auto request = run_cli({"gdpr", "requests", "add", "--tenant", "apex", "--kind", "erase", "-y", "-o", "json"}, &s.first);
    REQUIRE(request.exit_code == 0);
    const std::string prefix = nlohmann::json::parse(key.out).at(0).at("prefix");
    const std::string id = nlohmann::json::parse(request.out).at("id");
    const std::string kid_value = nlohmann::json::parse(kid.out).at(0).at("kid");

    CHECK(s.fish("tenantctl keys jwt activate ") == kid_value + "\tactive RS256\n");  // the first key signs at once
    CHECK(s.fish("tenantctl apikey revoke --tenant alpha ") == prefix + "\talpha: ci\n");
    CHECK(s.fish("tenantctl apikey revoke --tenant apex ").empty());  // another tenant's keys
    CHECK(contains(s.fish("tenantctl gdpr requests close "), id + "\tapex erase open due "));
    CHECK(s.bash("tenantctl gdpr export --tenant apex --request ",
                 {"tenantctl", "gdpr", "export", "--tenant", "apex", "--request", ""}) == id + "\n");
}

TEST_CASE("completion never runs a hostile value in a candidate or its description", "[e2e][completion]") {
    Shells s;
    const auto config = s.home / "evil.yaml";
    test::write_file(config, "contexts:\n"
                             "  '$(touch pwned-1)':\n    database: " + s.first.url() + "\n"
                             "  'x;touch pwned-2':\n    database: " + s.first.url() + "\n"
                             "  '`touch pwned-3`':\n    database: " + s.first.url() + "\n");
    s.first.exec("UPDATE tenantctl.tenants SET name = '$(touch pwned-4)`touch pwned-5`' WHERE slug = 'apex'");
    const std::string c = config.string();

    const auto bash = s.bash("tenantctl -c " + c + " --context ", {"tenantctl", "-c", c, "--context", ""});
    // Offered, quoted for the command line as the user would type it.
    CHECK(contains(bash, "\\$\\(touch\\ pwned-1\\)\n"));
    CHECK(contains(bash, "x\\;touch\\ pwned-2\n"));
    s.bash("tenantctl tenant show ", {"tenantctl", "tenant", "show", ""});
    CHECK(contains(s.fish("tenantctl --config " + c + " --context "), "$(touch pwned-1)"));
    CHECK(contains(s.fish("tenantctl tenant show "), "apex\t$(touch pwned-4)`touch pwned-5`\n"));
    CHECK(contains(s.zsh({"tenantctl", "-c", c, "--context", ""}), "x;touch pwned-2"));
    CHECK(contains(s.zsh({"tenantctl", "tenant", "show", ""}), "apex  -- $(touch pwned-4)"));
    // A hostile context name typed on the line is handed over as a value, never run either.
    s.bash("tenantctl -c " + c + " --context '$(touch pwned-6)' tenant show ",
           {"tenantctl", "-c", c, "--context", "'$(touch pwned-6)'", "tenant", "show", ""});
    s.fish("tenantctl -c " + c + " --context '$(touch pwned-6)' tenant show ");
    s.zsh({"tenantctl", "-c", c, "--context", "'$(touch pwned-6)'", "tenant", "show", ""});

    for (int n = 1; n <= 6; ++n) {
        INFO("pwned-" << n);
        CHECK_FALSE(std::filesystem::exists(s.home / ("pwned-" + std::to_string(n))));
    }
}
