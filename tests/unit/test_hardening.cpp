// Issue 12 hardening without a database: passwords never reach a connection error (12.4),
// key sources that would hang (a FIFO, a command that never exits) and the command's
// environment (12.10).
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <cstdlib>
#include <fstream>
#include <string>

#include "core/crypto/master_key.hpp"
#include "core/db/connection.hpp"
#include "core/db/redact.hpp"
#include "core/errors.hpp"

using namespace tenantctl;

namespace {

constexpr const char* kKeyB64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
// The same key as a cmd: source, written out: GCC 12 at -O2 reports a bogus -Warray-bounds
// for std::string("...") + const char* once inlined into a test case.
constexpr const char* kEchoKey = "cmd:echo AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

struct ScratchDir {
    std::string path;
    ScratchDir() {
        char tmpl[] = "/tmp/tenantctl-hardening-XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        path = tmpl;
    }
    ~ScratchDir() { std::system(("rm -rf '" + path + "'").c_str()); }
};

// Sets an environment variable for the scope.
struct ScopedEnv {
    std::string name;
    ScopedEnv(std::string n, const std::string& value) : name(std::move(n)) { ::setenv(name.c_str(), value.c_str(), 1); }
    ~ScopedEnv() { ::unsetenv(name.c_str()); }
};

std::string connect_error(const std::string& conninfo) {
    try {
        db::connect(db::ConnInfo{conninfo, "test"}, "tenantctl test");
    } catch (const DbUnavailable& e) {
        return e.what();
    }
    FAIL("connect did not fail for " << conninfo);
    return {};
}

}  // namespace

TEST_CASE("connection errors for malformed strings never contain the password", "[db][redact]") {
    const std::string pw = "Sup3rS3cretPw";
    for (const std::string& conninfo : {
             "postgresql://alice:" + pw + "@[::1/db",                       // libpq quotes the whole URI
             "postgresql://alice:" + pw + "%zz@host/db",                    // ... or the bad token
             "postgres://alice:" + pw + "@host:notaport/db",                // bad port
             "postgresql://alice:" + pw + "@host/db?nosuchparam=1",         // unknown parameter
             "postgresql://alice:" + pw + "/x@host/db",                     // '/' in the password
             "host=/nonexistent port=1 password=" + pw + " " + pw + "tail",  // missing "=" after a token
             "host=/nonexistent password='" + pw,                           // unterminated quote
             "host=/nonexistent port=1 user=alice password=" + pw,          // well-formed, no server
         }) {
        INFO(conninfo);
        const std::string message = connect_error(conninfo);
        INFO(message);
        CHECK(message.find(pw) == std::string::npos);
        CHECK(message.find("cannot connect to the database") != std::string::npos);
    }
}

TEST_CASE("redaction masks every password form and keeps the rest of the message", "[db][redact]") {
    CHECK(db::redact_conninfo_secrets("invalid percent-encoded token: \"pa%zzss\"", "postgresql://u:pa%zzss@h/d") ==
          "invalid percent-encoded token: \"****\"");
    CHECK(db::redact_conninfo_secrets("bad: p@ss/word", "postgresql://u:p%40ss%2Fword@h/d") == "bad: ****");
    CHECK(db::redact_conninfo_secrets("x 'quoted secret' y", "host=h password='quoted secret'").find("quoted secret") ==
          std::string::npos);
    // A parsable string keeps libpq's quoted details (host names, sockets).
    CHECK(db::redact_conninfo_secrets("could not translate host name \"h\"", "postgresql://u:pw@h/d") ==
          "could not translate host name \"h\"");
    CHECK(db::redact_conninfo_secrets("missing \"=\" after \"tok\"", "host=h tok") == "missing \"=\" after \"****\"");
}

TEST_CASE("redaction never searches its own masks: passwords made of '*' stay linear", "[db][redact]") {
    // Found by the conninfo fuzzer: masking candidate by candidate, each '*' candidate matched
    // the masks written for the one before, and the text doubled with every pass.
    std::string conninfo;
    for (int i = 1; i <= 24; ++i) conninfo += "password=" + std::string(static_cast<std::size_t>(i), '*') + " ";
    const std::string text = "x " + std::string(40, '*') + " y";
    CHECK(db::redact_conninfo_secrets(text, conninfo) == "x **** y");
}

TEST_CASE("a FIFO as the master key file is refused at once", "[crypto][master_key]") {
    ScratchDir dir;
    const std::string fifo = dir.path + "/master.key";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    // Without the check this call blocks forever waiting for a writer.
    try {
        crypto::load_master_key("file:" + fifo);
        FAIL("a FIFO was accepted");
    } catch (const UsageError& e) {
        CHECK(std::string(e.what()).find("not a regular file") != std::string::npos);
    }
}

TEST_CASE("a cmd: key source that never exits is killed after the timeout", "[crypto][master_key]") {
    ScopedEnv timeout("TENANTCTL_KEY_COMMAND_TIMEOUT", "1s");
    // The shell starts a grandchild that keeps stdout open too: the whole group is killed.
    try {
        crypto::load_master_key("cmd:(sleep 300) & sleep 300");
        FAIL("the command was waited for");
    } catch (const UsageError& e) {
        CHECK(std::string(e.what()).find("did not finish within 1s") != std::string::npos);
        CHECK(std::string(e.hint()).find("TENANTCTL_KEY_COMMAND_TIMEOUT") != std::string::npos);
    }
    // A command that finishes in time is not affected.
    CHECK(crypto::load_master_key(std::string(kEchoKey)).key.size() == 32);
}

TEST_CASE("a bad TENANTCTL_KEY_COMMAND_TIMEOUT is a usage error", "[crypto][master_key]") {
    ScopedEnv timeout("TENANTCTL_KEY_COMMAND_TIMEOUT", "soon");
    CHECK_THROWS_AS(crypto::load_master_key(std::string(kEchoKey)), UsageError);
}

TEST_CASE("the cmd: key source does not see the database credentials", "[crypto][master_key]") {
    ScopedEnv url("TENANTCTL_DATABASE_URL", "postgresql://u:dbsecret@h/d");
    ScopedEnv pw("PGPASSWORD", "dbsecret");
    ScopedEnv other("TENANTCTL_HARDENING_TEST", "kept");
    // Prints the key only when the credentials are absent and other variables are present.
    const std::string command = fmt::format(
        "cmd:test -z \"${{TENANTCTL_DATABASE_URL+x}}${{PGPASSWORD+x}}\" && test \"$TENANTCTL_HARDENING_TEST\" = kept && echo {}",
        kKeyB64);
    CHECK(crypto::load_master_key(command).key.size() == 32);
}
