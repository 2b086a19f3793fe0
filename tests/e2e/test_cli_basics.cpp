// End-to-end: the binary's own surface (help, version, usage errors, exit codes).
#include <catch2/catch.hpp>

#include "tests/support/test_support.hpp"

using tenantctl::test::run_cli;

TEST_CASE("the version flag prints version and commit", "[e2e][cli]") {
    auto r = run_cli({"--version"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.rfind("tenantctl ", 0) == 0);
    CHECK(r.out.find("(commit ") != std::string::npos);
    CHECK(r.err.empty());
}

TEST_CASE("help lists the command groups and the exit codes", "[e2e][cli]") {
    auto r = run_cli({"--help"});
    CHECK(r.exit_code == 0);
    for (const char* word : {"sandbox", "init", "doctor", "completion", "Exit codes:", "10  aborted"})
        CHECK(r.out.find(word) != std::string::npos);
    CHECK(r.out.find("__gen") == std::string::npos);
}

TEST_CASE("an unknown command is a usage error with a suggestion", "[e2e][cli]") {
    auto r = run_cli({"doctr"});
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find("tenantctl: unknown command 'doctr'") != std::string::npos);
    CHECK(r.err.find("did you mean 'doctor'?") != std::string::npos);
}

TEST_CASE("an unknown flag is a usage error with a suggestion", "[e2e][cli]") {
    auto r = run_cli({"doctor", "--chek", "rls"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("unknown option '--chek'") != std::string::npos);
    CHECK(r.err.find("did you mean '--check'?") != std::string::npos);
}

TEST_CASE("a bad output format is a usage error", "[e2e][cli]") {
    auto r = run_cli({"doctor", "-o", "xml"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("xml") != std::string::npos);
}
