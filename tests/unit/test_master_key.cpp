// Master key sources: env:, file:, cmd:, and every way an operator can get them wrong.
// No error may ever contain the key text.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

#include "core/crypto/bytes.hpp"
#include "core/crypto/master_key.hpp"
#include "core/errors.hpp"

using namespace tenantctl;
using namespace tenantctl::crypto;

namespace {

// bytes 00..1f; id from Python: hmac.new(key, b"tenantctl:kek-id", sha256).hexdigest()[:16]
constexpr const char* kKeyB64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
constexpr const char* kKeyId = "515cb52e31ede162";
// 32 bytes of 0xfb: '+' and '/' in the standard alphabet, '-' and '_' in the URL one.
constexpr const char* kFbStd = "+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/s=";
constexpr const char* kFbUrl = "-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_s=";

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/tenantctl-master-key-XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        path = tmpl;
    }
    ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
    std::string write(const std::string& name, const std::string& content, mode_t mode) const {
        const std::string file = path + "/" + name;
        std::ofstream(file, std::ios::binary) << content;
        REQUIRE(::chmod(file.c_str(), mode) == 0);
        return file;
    }
};

struct EnvVar {
    std::string name;
    EnvVar(std::string n, const std::string& value) : name(std::move(n)) { ::setenv(name.c_str(), value.c_str(), 1); }
    ~EnvVar() { ::unsetenv(name.c_str()); }
};

// Runs `load` expecting an Error of type E whose message contains `needle` and not `secret`.
template <class E>
E expect_error(const std::string& source, const std::string& needle, const std::string& secret = {}) {
    INFO("source: " << source);
    try {
        load_master_key(source);
    } catch (const E& e) {
        INFO("message: " << e.what());
        CHECK(std::string(e.what()).find(needle) != std::string::npos);
        if (!secret.empty()) {
            CHECK(std::string(e.what()).find(secret) == std::string::npos);
            CHECK(e.hint().find(secret) == std::string::npos);
        }
        return e;
    }
    FAIL("no error for " << source);
    throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("master key: env: source and the key id", "[crypto][master_key]") {
    EnvVar var("TENANTCTL_TEST_MK", kKeyB64);
    const MasterKey mk = load_master_key("env:TENANTCTL_TEST_MK");
    REQUIRE(mk.key.size() == 32);
    for (std::size_t i = 0; i < 32; ++i) CHECK(mk.key.data()[i] == i);
    CHECK(mk.id == kKeyId);
    CHECK(master_key_id(mk.key) == kKeyId);
}

TEST_CASE("master key: either alphabet, optional padding, surrounding whitespace", "[crypto][master_key]") {
    std::string unpadded_url = kFbUrl;
    unpadded_url.pop_back();
    for (const std::string& text : {std::string(kFbStd), std::string(kFbUrl), unpadded_url,
                                    "  " + std::string(kFbStd) + "\n", "\t" + std::string(kFbUrl) + "\r\n"}) {
        INFO("text '" << text << "'");
        EnvVar var("TENANTCTL_TEST_MK", text);
        const MasterKey mk = load_master_key("env:TENANTCTL_TEST_MK");
        CHECK(mk.key.view() == std::string(32, '\xfb'));
    }
}

TEST_CASE("master key: bad env values are usage errors without the value", "[crypto][master_key]") {
    const std::string short_key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==";  // 31 bytes
    const std::string long_key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g";   // 33 bytes
    const std::string not_b64 = "this is not base64 at all, secret!";
    const std::string bad_char = std::string(kKeyB64).replace(5, 1, "*");
    const std::string mixed_pad = std::string(kKeyB64).substr(0, 40) + "=AAA";

    ::unsetenv("TENANTCTL_TEST_UNSET");
    expect_error<UsageError>("env:TENANTCTL_TEST_UNSET", "TENANTCTL_TEST_UNSET");
    expect_error<UsageError>("env:", "variable name");
    {
        EnvVar var("TENANTCTL_TEST_MK", "");
        expect_error<UsageError>("env:TENANTCTL_TEST_MK", "empty");
    }
    {
        EnvVar var("TENANTCTL_TEST_MK", " \n\t ");
        expect_error<UsageError>("env:TENANTCTL_TEST_MK", "empty");
    }
    for (const auto& value : {short_key, long_key}) {
        EnvVar var("TENANTCTL_TEST_MK", value);
        expect_error<UsageError>("env:TENANTCTL_TEST_MK", "32 bytes", value.substr(0, 12));
    }
    for (const auto& value : {not_b64, bad_char, mixed_pad}) {
        EnvVar var("TENANTCTL_TEST_MK", value);
        const auto e = expect_error<UsageError>("env:TENANTCTL_TEST_MK", "not valid base64", value.substr(0, 12));
        CHECK(e.code() == Exit::usage);
    }
}

TEST_CASE("master key: a literal or unknown source is refused without echoing it", "[crypto][master_key]") {
    const std::string message = "must be env:NAME, file:PATH or cmd:COMMAND";
    expect_error<UsageError>(kKeyB64, message, kKeyB64);
    expect_error<UsageError>(std::string("base64:") + kKeyB64, message, kKeyB64);
    expect_error<UsageError>("vault:secret/kek", message, "vault:secret/kek");
    for (const char* source : {"", "ENV:X", "env", "file", " env:X"}) expect_error<UsageError>(source, message);
}

TEST_CASE("master key: file: source", "[crypto][master_key]") {
    TempDir dir;

    SECTION("a 0600 file works, trailing newline and all") {
        const std::string file = dir.write("kek", std::string(kKeyB64) + "\n", 0600);
        const MasterKey mk = load_master_key("file:" + file);
        CHECK(mk.id == kKeyId);
    }
    SECTION("a 0400 file works") {
        const std::string file = dir.write("kek", kKeyB64, 0400);
        CHECK(load_master_key("file:" + file).id == kKeyId);
    }
    SECTION("group or world access is refused with a chmod hint") {
        for (mode_t mode : {0644, 0640, 0604, 0620, 0602, 0610, 0601, 0666}) {
            INFO("mode " << std::oct << mode);
            const std::string file = dir.write("kek", kKeyB64, mode);
            const auto e = expect_error<Refused>("file:" + file, file, kKeyB64);
            CHECK(e.code() == Exit::refused);
            CHECK(e.hint() == "chmod 600 " + file);
            ::unlink(file.c_str());
        }
    }
    SECTION("the mode shows in the message") {
        const std::string file = dir.write("kek", kKeyB64, 0644);
        expect_error<Refused>("file:" + file, "0644");
    }
    SECTION("a missing file is a usage error naming the path") {
        const auto e = expect_error<UsageError>("file:" + dir.path + "/nope", dir.path + "/nope");
        CHECK(std::string(e.what()).find("No such file") != std::string::npos);
    }
    SECTION("a directory, an empty path, an empty file, a bad key") {
        ::chmod(dir.path.c_str(), 0700);
        expect_error<UsageError>("file:" + dir.path, "directory");
        expect_error<UsageError>("file:", "needs a path");
        expect_error<UsageError>("file:" + dir.write("empty", "", 0600), "empty");
        const std::string junk = "not a key! but secret";
        expect_error<UsageError>("file:" + dir.write("junk", junk, 0600), "not valid base64", junk);
        expect_error<UsageError>("file:" + dir.write("short", "AAAA", 0600), "32 bytes");
        expect_error<UsageError>("file:" + dir.write("big", std::string(10000, 'A'), 0600), "too large");
    }
    SECTION("an unreadable file is a usage error naming the path") {
        if (::geteuid() != 0) {  // root reads anything
            const std::string file = dir.write("locked", kKeyB64, 0000);
            expect_error<UsageError>("file:" + file, file);
        }
    }
}

TEST_CASE("master key: cmd: source", "[crypto][master_key]") {
    SECTION("stdout of the command is the key") {
        const MasterKey mk = load_master_key(std::string("cmd:printf '%s\\n' ") + kKeyB64);
        CHECK(mk.id == kKeyId);
    }
    SECTION("the command runs through /bin/sh") {
        EnvVar var("TENANTCTL_TEST_MK", kKeyB64);
        CHECK(load_master_key("cmd:echo \"$TENANTCTL_TEST_MK\" | cat").id == kKeyId);
    }
    SECTION("a failing command reports its exit status but not its output") {
        const auto e = expect_error<UsageError>("cmd:echo topsecret-output; exit 3",
                                                "master key command failed with exit status 3", "topsecret");
        CHECK(e.code() == Exit::usage);
        expect_error<UsageError>("cmd:/nonexistent/tool 2>/dev/null", "exit status 127");
    }
    SECTION("a command killed by a signal") { expect_error<UsageError>("cmd:kill -9 $$", "killed by signal 9"); }
    SECTION("the command line is never quoted: it may hold a token") {
        expect_error<UsageError>("cmd:echo not-base64-TOKEN123", "not valid base64", "TOKEN123");
    }
    SECTION("bad output") {
        expect_error<UsageError>("cmd:true", "empty");
        expect_error<UsageError>("cmd:echo AAAA", "32 bytes");
        expect_error<UsageError>("cmd:yes AAAA", "too much");
        expect_error<UsageError>("cmd:", "needs a command");
    }
}

TEST_CASE("master key: from bytes and generation", "[crypto][master_key]") {
    SecureBytes raw(32);
    for (std::size_t i = 0; i < 32; ++i) raw.data()[i] = static_cast<std::uint8_t>(i);
    CHECK(master_key_from_bytes(raw).id == kKeyId);
    CHECK_THROWS_AS(master_key_from_bytes(SecureBytes(31)), UsageError);
    CHECK_THROWS_AS(master_key_from_bytes(SecureBytes(33)), UsageError);
    CHECK_THROWS_AS(master_key_from_bytes(SecureBytes()), UsageError);

    const std::string generated = generate_master_key_base64();
    CHECK(generated.size() == 44);
    std::string decoded;
    REQUIRE(base64_decode(generated, decoded));
    CHECK(decoded.size() == 32);
    CHECK(generate_master_key_base64() != generated);
    EnvVar var("TENANTCTL_TEST_MK", generated);
    const MasterKey mk = load_master_key("env:TENANTCTL_TEST_MK");
    CHECK(mk.key.view() == decoded);
    CHECK(mk.id.size() == 16);
    CHECK(mk.id != kKeyId);
}
