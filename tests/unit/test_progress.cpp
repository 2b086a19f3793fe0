// The progress line's text, the resume hint's command line, and the interrupt flag.
#include "core/util/interrupt.hpp"
#include "core/util/progress.hpp"

#include "core/errors.hpp"

#include <catch2/catch.hpp>
#include <signal.h>

using namespace tenantctl;

TEST_CASE("progress: bar, counts, rate, elapsed and ETA when the total is known", "[progress]") {
    CHECK(util::ProgressLine::render("re-encrypting acme", 250, 1000, "rows", 5.0) ==
          "re-encrypting acme: [######..................]  25%  250/1000 rows  50/s  elapsed 0:05  ETA 0:15");
    // Done: no ETA.
    CHECK(util::ProgressLine::render("purging acme", 1000, 1000, "rows", 3725.0) ==
          "purging acme: [########################] 100%  1000/1000 rows  0/s  elapsed 1:02:05");
    // Unknown total: no bar, no ETA.
    CHECK(util::ProgressLine::render("exporting acme", 42000, 0, "rows", 2.0) ==
          "exporting acme: 42000 rows  21000/s  elapsed 0:02");
    // Nothing done yet: no rate, so no ETA either.
    CHECK(util::ProgressLine::render("x", 0, 10, "rows", 0.0).find("ETA") == std::string::npos);
    CHECK(util::clock_duration(59.6) == "1:00");
    CHECK(util::clock_duration(-3) == "0:00");
}

TEST_CASE("the resume hint quotes the command line as a shell reads it back", "[progress][interrupt]") {
    const char* argv[] = {"/usr/bin/tenantctl", "keys", "reencrypt", "--tenant", "acme", "--where", "it's a b", ""};
    util::remember_command_line(8, argv);
    CHECK(util::command_line() == "tenantctl keys reencrypt --tenant acme --where 'it'\\''s a b' ''");
}

TEST_CASE("a signal inside a scope becomes Aborted at the next check, naming the work done", "[progress][interrupt]") {
    const char* argv[] = {"tenantctl", "tenant", "purge", "acme", "--yes"};
    util::remember_command_line(5, argv);
    {
        util::InterruptScope scope;
        CHECK_NOTHROW(util::stop_if_interrupted("nothing"));
        ::raise(SIGINT);  // handled: the test process lives on
        CHECK(util::pending_interrupt() == SIGINT);
        try {
            util::stop_if_interrupted("deleting 120 rows");
            FAIL("not stopped");
        } catch (const Aborted& e) {
            CHECK(e.code() == Exit::aborted);
            CHECK(std::string(e.what()) ==
                  "interrupted by SIGINT after deleting 120 rows; everything up to there is committed");
            CHECK(e.hint() == "run the same command again to resume: tenantctl tenant purge acme --yes");
        }
        CHECK(util::pending_interrupt() == 0);  // acted on once
    }
    {
        // SA_RESETHAND: the handler is good for one signal; each scope installs it afresh.
        util::InterruptScope scope;
        ::raise(SIGTERM);
        try {
            util::stop_if_interrupted("a batch", "tenantctl migrate up --resume R");
            FAIL("not stopped");
        } catch (const Aborted& e) {
            CHECK(std::string(e.what()).rfind("interrupted by SIGTERM after a batch", 0) == 0);
            CHECK(e.hint() == "resume with: tenantctl migrate up --resume R");
        }
    }
}
