// Unit: the one hardened YAML reader (core/util/yaml_reader) and its use by the config and
// manifest readers. Every hostile input here once crashed, hung or ate memory.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/config/config.hpp"
#include "core/errors.hpp"
#include "core/tenants/manifest.hpp"
#include "core/util/yaml_reader.hpp"

using namespace tenantctl;

namespace {

std::string load_error(const std::string& yaml) {
    try {
        (void)util::load_yaml(yaml, "f.yaml");
    } catch (const UsageError& e) {
        return e.what();
    }
    return "no error";
}

std::string manifest_error(const std::string& yaml) {
    try {
        (void)tenants::parse_manifest(yaml, "m.yaml");
    } catch (const UsageError& e) {
        return e.what();
    }
    return "no error";
}

std::string config_error(const std::string& yaml) {
    try {
        (void)config::parse_config(yaml, "c.yaml");
    } catch (const UsageError& e) {
        return e.what();
    }
    return "no error";
}

// `depth` nested flow lists: [[[...]]]
std::string nested(int depth) { return std::string(static_cast<std::size_t>(depth), '[') + std::string(static_cast<std::size_t>(depth), ']'); }

}  // namespace

TEST_CASE("yaml: aliases are refused before anything expands them", "[unit][yaml]") {
    // A recursive alias made `tenant apply` die of SIGSEGV when settings were converted.
    CHECK(manifest_error("tenants:\n  - slug: acme\n    settings: &a {x: *a}\n") ==
          "m.yaml:3:22: aliases (*name) are not supported; write the value out");
    CHECK(manifest_error("tenants:\n  - slug: acme\n    settings: &a [*a]\n") ==
          "m.yaml:3:19: aliases (*name) are not supported; write the value out");
    // "Billion laughs": nine levels of ten aliases each grew memory by 100 MB/s.
    std::string laughs = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
    for (char c = 'b'; c <= 'i'; ++c) {
        const char p = static_cast<char>(c - 1);
        laughs += fmt::format("{0}: &{0} [*{1},*{1},*{1},*{1},*{1},*{1},*{1},*{1},*{1}]\n", c, p);
    }
    CHECK(load_error(laughs) == "f.yaml:2:8: aliases (*name) are not supported; write the value out");
    CHECK(config_error(laughs) == "c.yaml:2:8: aliases (*name) are not supported; write the value out");
    CHECK(manifest_error("tenants:\n  - &t {slug: acme}\n  - *t\n") ==
          "m.yaml:3:5: aliases (*name) are not supported; write the value out");
    // An anchor alone is harmless and allowed.
    CHECK(load_error("a: &x 1\n") == "no error");
}

TEST_CASE("yaml: a stray comma is invalid YAML in every reader", "[unit][yaml]") {
    // A manifest holding just `,` took 7.6 GB before exiting 1 (yaml-cpp#1040).
    CHECK(manifest_error(",") == "m.yaml:1:1: invalid YAML: unexpected ','");
    CHECK(manifest_error("# tenants\n ,\n") == "m.yaml:2:2: invalid YAML: unexpected ','");
    CHECK(config_error(",") == "c.yaml:1:1: invalid YAML: unexpected ','");
    CHECK(load_error(",") == "f.yaml:1:1: invalid YAML: unexpected ','");
}

TEST_CASE("yaml: exactly one document", "[unit][yaml]") {
    CHECK(load_error("a: 1\n---\nb: 2\n") == "f.yaml:2:1: expected one YAML document, found a second one");
    CHECK(manifest_error("tenants: []\n---\ntenants: []\n") ==
          "m.yaml:2:1: expected one YAML document, found a second one");
    CHECK(util::load_yaml("", "f.yaml").IsNull());
    CHECK(util::load_yaml("# only a comment\n", "f.yaml").IsNull());
    CHECK(util::load_yaml("---\na: 1\n...\n", "f.yaml")["a"].as<int>() == 1);
}

TEST_CASE("yaml: input is capped at 1 MiB", "[unit][yaml]") {
    std::string big = "a: \"" + std::string(util::kMaxYamlBytes, 'x') + "\"\n";
    CHECK(load_error(big).rfind("f.yaml: larger than 1 MiB (", 0) == 0);
    CHECK(manifest_error(big).rfind("m.yaml: larger than 1 MiB (", 0) == 0);
    std::string fits = "a: " + std::string(util::kMaxYamlBytes - 10, 'x') + "\n";
    CHECK(load_error(fits) == "no error");

    std::istringstream stream(big);
    try {
        (void)util::read_yaml_stream(stream, "<stdin>");
        FAIL("an oversized stream was read");
    } catch (const UsageError& e) {
        CHECK(std::string(e.what()) == "<stdin>: larger than 1 MiB, the limit for YAML input");
    }
    const auto path = std::filesystem::temp_directory_path() / "tenantctl-yaml-reader-big.yaml";
    std::ofstream(path) << big;
    try {
        (void)tenants::load_manifest(path.string());
        FAIL("an oversized file was read");
    } catch (const UsageError& e) {
        CHECK(std::string(e.what()) == path.string() + ": larger than 1 MiB, the limit for YAML input");
    }
    std::filesystem::remove(path);
}

TEST_CASE("yaml: nesting is bounded", "[unit][yaml]") {
    CHECK(load_error("a: " + nested(util::kMaxYamlDepth - 1)) == "no error");
    CHECK(load_error("a: " + nested(util::kMaxYamlDepth)) == "f.yaml:1:" + std::to_string(3 + util::kMaxYamlDepth) +
                                                                ": nested deeper than 64 levels");
    // Far deeper than yaml-cpp's own recursion guard: still one clean message.
    CHECK(load_error(nested(100000)) == "f.yaml:1:65: nested deeper than 64 levels");
    CHECK(manifest_error("tenants:\n  - slug: acme\n    settings: {a: " + nested(100) + "}\n") ==
          "m.yaml:3:79: nested deeper than 64 levels");
}

TEST_CASE("yaml: tags, NUL and control characters in keys are refused", "[unit][yaml]") {
    CHECK(load_error("a: !!str 1\n") == "f.yaml:1:4: tags ('tag:yaml.org,2002:str') are not supported; quote a value to "
                                        "make it a string");
    CHECK(load_error("a: !custom {b: 1}\n").rfind("f.yaml:1:4: tags ('!custom') are not supported", 0) == 0);
    CHECK(load_error("a: \"x\\0y\"\n") == "f.yaml:1:4: NUL characters are not allowed");
    CHECK(load_error("\"a\\tb\": 1\n") == "f.yaml:1:1: control characters are not allowed in keys, got 'a\\tb'");
    CHECK(manifest_error("tenants:\n  - slug: acme\n    settings: {\"k\\u0001\": 1}\n") ==
          "m.yaml:3:16: control characters are not allowed in keys, got 'k\\x01'");
    CHECK(load_error("? [a]\n: 1\n") == "f.yaml:1:3: keys must be plain strings, not maps or lists");
    CHECK(load_error("a: \"tab\\there is fine in a value\"\n") == "no error");
}

TEST_CASE("yaml: invalid UTF-8 is refused where it is, in every reader", "[unit][yaml]") {
    CHECK(manifest_error("tenants:\n  - slug: acme\n    name: \xc3(\n") ==
          "m.yaml:3:11: invalid UTF-8 (the file must be UTF-8 text)");
    CHECK(load_error("\xff") == "f.yaml:1:1: invalid UTF-8 (the file must be UTF-8 text)");
    // Escapes yaml-cpp decodes to bare bytes (found by the manifest fuzzer).
    CHECK(manifest_error("tenants:\n  - slug: acme\n    settings: {a: \"x\\_\"}\n") ==
          "m.yaml:3:19: a value decodes to invalid UTF-8 (the escapes \\N and \\_ are not supported; write the "
          "character itself)");
    CHECK(load_error("a: \"\\N\"\n").rfind("f.yaml:1:4: a value decodes to invalid UTF-8", 0) == 0);
    CHECK(load_error("a: \"\\u00e9 and \\x41\"\n") == "no error");
}

TEST_CASE("config: names with control characters are refused", "[unit][yaml][config]") {
    CHECK(config_error("tenancy:\n  column: \"tenant\\nid\"\n") ==
          "c.yaml:2:11: tenancy.column: expected a name, got a name with control characters");
    CHECK(config_error("data:\n  tables:\n    \"us\\x01ers\": {}\n") ==
          "c.yaml:3:5: control characters are not allowed in keys, got 'us\\x01ers'");
}
