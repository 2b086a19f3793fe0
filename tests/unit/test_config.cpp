#include "core/config/config.hpp"
#include "core/errors.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>

using namespace tenantctl;
using namespace tenantctl::config;
namespace fs = std::filesystem;
using std::chrono::days;
using std::chrono::seconds;

namespace {

// DESIGN section 3, verbatim.
constexpr const char* kDesignSample = R"yaml(contexts:                      # kubectl-style named connections; --context picks one
  prod: {database: "postgresql://ops@db.internal/app?sslmode=verify-full"}
schema: tenantctl               # where the platform schema lives
tenancy:
  mode: shared                  # shared (RLS) | schema (schema per tenant)
  column: tenant_id
  setting: app.tenant_id
  app_role: app                 # the role the application connects as (doctor checks it)
keys:
  master_key: env:TENANTCTL_MASTER_KEY   # or file:/etc/tenantctl/master.key, or cmd:"vault kv get ..."
  rotate_after: 90d
audit:
  retention: 400d
  premake: 3                    # months of partitions created ahead
migrations:
  dir: migrations
data:                           # the app's tenant-scoped tables, for gdpr and keys
  subjects: {table: users, key: id, lookup: [email]}
  tables:
    users:     {subject: id,       pii: [email, full_name], encrypted: [phone], erase: anonymize}
    documents: {subject: owner_id, encrypted: [body],       erase: delete}
    invoices:  {subject: user_id,  erase: retain, basis: "tax law, 10y"}
)yaml";

// Every setting, with non-default values, for the round trip.
constexpr const char* kEverything = R"yaml(contexts:
  prod: {database: "postgresql://ops@db.internal/app?sslmode=verify-full"}
  staging:
    database: "host=/tmp/pg port=5432 dbname=app"
current_context: staging
schema: platform
tenancy:
  mode: schema
  column: org_id
  setting: myapp.current_org
  app_role: web
keys:
  master_key: "cmd:vault kv get -field=key secret/tenantctl"
  rotate_after: 13mo
  refresh_token_lifetime: 1d12h
  jwt_alg: ES256
audit:
  retention: 2y
  premake: 0
  archive_dir: /var/lib/tenantctl/archive
migrations:
  dir: db/migrations
data:
  subjects:
    table: app.accounts
    key: account_id
    lookup: [email, username]
  tables:
    app.accounts:
      subject: account_id
      pii: [email, username, full_name]
      encrypted: [phone]
      erase: anonymize
      anonymize: {email: hash, username: redact, phone: null, full_name: ~}
    documents: {subject: owner_id, encrypted: [body], erase: delete}
    invoices: {subject: user_id, erase: retain, basis: "null"}
    secrets: {encrypted: [token]}
    comments:
  links:
    - {from: "comments.author_ref", to: "app.accounts.account_id"}
    - from: app.events.actor
      to: app.accounts.email
  exclude: [audit_copy, "app.audit_copy.*", "teams.*", users.manager_id, app.users.manager_id]
  processing:
    purposes: [providing the service, billing]
    categories: [contact details, usage data]
    recipients: "payment processor (Stripe)"
    retention: "account lifetime + 30 days; invoices 10 years"
    rights: "rectification, erasure, restriction, objection"
    complaint: "the supervisory authority of your country"
    source: collected from you
    automated_decision_making: none
    transfers: ["EU-US Data Privacy Framework"]
)yaml";

Config parse(const std::string& yaml) { return parse_config(yaml, "tenantctl.yaml"); }

// Runs `action`, which must throw a UsageError, and returns it.
UsageError usage_error(const std::function<void()>& action) {
    try {
        action();
    } catch (const UsageError& e) {
        return e;
    }
    FAIL("expected a UsageError");
    throw std::logic_error("unreachable");
}

std::string config_error(const std::string& yaml) {
    return usage_error([&] { parse(yaml); }).what();
}
std::string config_hint(const std::string& yaml) {
    return usage_error([&] { parse(yaml); }).hint();
}

// A fresh directory removed at the end of the test.
class TempDir {
public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "tenantctl-config-test-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        m_path = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(m_path, ignored);
    }
    const fs::path& path() const { return m_path; }
    fs::path write(const fs::path& relative, const std::string& text) const {
        const fs::path file = m_path / relative;
        fs::create_directories(file.parent_path());
        std::ofstream(file) << text;
        return file;
    }

private:
    fs::path m_path;
};

}  // namespace

// ---------------------------------------------------------------------------------------
// Valid files
// ---------------------------------------------------------------------------------------

TEST_CASE("an empty or comment-only file gives the documented defaults", "[config]") {
    for (const char* text : {"", "# nothing here\n", "---\n", "~\n"}) {
        INFO("text: " << text);
        const Config c = parse(text);
        CHECK(c.source == "tenantctl.yaml");
        CHECK(c.contexts.empty());
        CHECK_FALSE(c.current_context);
        CHECK(c.schema == "tenantctl");
        CHECK(c.tenancy.mode == TenancyMode::shared);
        CHECK(c.tenancy.column == "tenant_id");
        CHECK(c.tenancy.setting == "app.tenant_id");
        CHECK(c.tenancy.app_role == "app");
        CHECK_FALSE(c.keys.master_key);
        CHECK(c.keys.rotate_after == util::Duration{0, days{90}});
        CHECK(c.keys.refresh_token_lifetime == util::Duration{0, days{7}});
        CHECK(c.keys.jwt_alg == JwtAlgorithm::rs256);
        CHECK(c.audit.retention == util::Duration{0, days{400}});
        CHECK(c.audit.premake == 3);
        CHECK_FALSE(c.audit.archive_dir);
        CHECK(c.migrations.dir == "migrations");
        CHECK_FALSE(c.data.subjects);
        CHECK(c.data.tables.empty());
        CHECK(c.data.links.empty());
        CHECK(c.data.exclude.empty());
        CHECK(c.data.processing == nlohmann::ordered_json::object());
    }
}

TEST_CASE("empty sections mean defaults", "[config]") {
    const Config c = parse("contexts:\ntenancy:\nkeys:\naudit:\nmigrations:\ndata:\n  tables:\n  links:\n");
    CHECK(c == parse(""));
}

TEST_CASE("DESIGN section 3's sample parses into the typed config", "[config]") {
    const Config c = parse(kDesignSample);
    REQUIRE(c.contexts.size() == 1);
    CHECK(c.contexts.at("prod").database == "postgresql://ops@db.internal/app?sslmode=verify-full");
    CHECK_FALSE(c.current_context);
    CHECK(c.schema == "tenantctl");
    CHECK(c.tenancy == TenancyConfig{TenancyMode::shared, "tenant_id", "app.tenant_id", "app", std::nullopt});
    CHECK(c.keys.master_key == "env:TENANTCTL_MASTER_KEY");
    CHECK(c.keys.rotate_after == util::Duration{0, days{90}});
    CHECK(c.audit.retention == util::Duration{0, days{400}});
    CHECK(c.audit.premake == 3);
    CHECK(c.migrations.dir == "migrations");

    REQUIRE(c.data.subjects);
    CHECK(c.data.subjects->table == QualifiedName{"public", "users"});
    CHECK(c.data.subjects->key == "id");
    CHECK(c.data.subjects->lookup == std::vector<std::string>{"email"});

    REQUIRE(c.data.tables.size() == 3);
    const TableConfig& users = c.data.tables[0];
    CHECK(users.table == QualifiedName{"public", "users"});
    CHECK(users.subject == "id");
    CHECK(users.pii == std::vector<std::string>{"email", "full_name"});
    CHECK(users.encrypted == std::vector<std::string>{"phone"});
    CHECK(users.erase == EraseAction::anonymize);
    CHECK_FALSE(users.basis);
    CHECK(users.anonymize.empty());

    const TableConfig& documents = c.data.tables[1];
    CHECK(documents.table.to_string() == "public.documents");
    CHECK(documents.subject == "owner_id");
    CHECK(documents.pii.empty());
    CHECK(documents.encrypted == std::vector<std::string>{"body"});
    CHECK(documents.erase == EraseAction::delete_rows);

    const TableConfig& invoices = c.data.tables[2];
    CHECK(invoices.table.to_string() == "public.invoices");
    CHECK(invoices.subject == "user_id");
    CHECK(invoices.erase == EraseAction::retain);
    CHECK(invoices.basis == "tax law, 10y");

    CHECK(c.data.find_table(QualifiedName{"public", "invoices"}) == &invoices);
    CHECK(c.data.find_table(QualifiedName{"app", "invoices"}) == nullptr);
}

TEST_CASE("every setting parses", "[config]") {
    const Config c = parse(kEverything);
    CHECK(c.contexts.size() == 2);
    CHECK(c.current_context == "staging");
    CHECK(c.schema == "platform");
    CHECK(c.tenancy == TenancyConfig{TenancyMode::schema, "org_id", "myapp.current_org", "web", std::nullopt});
    CHECK(c.keys.master_key == "cmd:vault kv get -field=key secret/tenantctl");
    CHECK(c.keys.rotate_after == util::Duration{13, seconds{0}});
    CHECK(c.keys.refresh_token_lifetime == util::Duration{0, seconds{36 * 3600}});
    CHECK(c.keys.jwt_alg == JwtAlgorithm::es256);
    CHECK(c.audit.retention == util::Duration{24, seconds{0}});
    CHECK(c.audit.premake == 0);
    CHECK(c.audit.archive_dir == fs::path("/var/lib/tenantctl/archive"));
    CHECK(c.migrations.dir == "db/migrations");

    CHECK(c.data.subjects->table == QualifiedName{"app", "accounts"});
    CHECK(c.data.subjects->key == "account_id");
    CHECK(c.data.subjects->lookup == std::vector<std::string>{"email", "username"});

    REQUIRE(c.data.tables.size() == 5);
    const TableConfig& accounts = c.data.tables[0];
    CHECK(accounts.table == QualifiedName{"app", "accounts"});
    CHECK(accounts.anonymize == std::map<std::string, AnonymizeStrategy>{{"email", AnonymizeStrategy::hash},
                                                                         {"username", AnonymizeStrategy::redact},
                                                                         {"phone", AnonymizeStrategy::null},
                                                                         {"full_name", AnonymizeStrategy::null}});
    CHECK(c.data.tables[2].basis == "null");  // quoted: the string, not YAML's null
    const TableConfig& secrets = c.data.tables[3];
    CHECK_FALSE(secrets.subject);
    CHECK_FALSE(secrets.erase);
    CHECK(secrets.encrypted == std::vector<std::string>{"token"});
    CHECK(c.data.tables[4] == TableConfig{QualifiedName{"public", "comments"}, {}, {}, {}, {}, {}, {}, {}});

    REQUIRE(c.data.links.size() == 2);
    CHECK(c.data.links[0].from == ColumnRef{{"public", "comments"}, "author_ref"});
    CHECK(c.data.links[0].to == ColumnRef{{"app", "accounts"}, "account_id"});
    CHECK(c.data.links[1].from.to_string() == "app.events.actor");
    CHECK(c.data.links[1].to.to_string() == "app.accounts.email");

    CHECK(c.data.exclude == std::vector<Exclusion>{{{"public", "audit_copy"}, std::nullopt},
                                                   {{"app", "audit_copy"}, std::nullopt},
                                                   {{"public", "teams"}, std::nullopt},
                                                   {{"public", "users"}, "manager_id"},
                                                   {{"app", "users"}, "manager_id"}});

    CHECK(c.data.processing.dump() ==
          R"({"purposes":["providing the service","billing"],"categories":["contact details","usage data"],)"
          R"json("recipients":"payment processor (Stripe)","retention":"account lifetime + 30 days; invoices 10 years",)json"
          R"("rights":"rectification, erasure, restriction, objection",)"
          R"("complaint":"the supervisory authority of your country","source":"collected from you",)"
          R"("automated_decision_making":"none","transfers":["EU-US Data Privacy Framework"]})");
}

TEST_CASE("to_yaml round-trips the effective configuration", "[config]") {
    for (const char* text : {kDesignSample, kEverything, ""}) {
        const Config original = parse(text);
        const std::string written = to_yaml(original);
        INFO(written);
        const Config reread = parse(written);
        CHECK(reread == original);
        CHECK(to_yaml(reread) == written);
    }
}

TEST_CASE("to_yaml writes values YAML would misread as quoted strings", "[config]") {
    Config c = parse(kDesignSample);
    c.data.tables[2].basis = "~";
    c.data.processing["source"] = "null";
    c.data.processing["rights"] = nlohmann::ordered_json::array({"yes", "- a: b", "#not a comment"});
    c.contexts["prod"].database = "postgresql://u:p@h/db?x=1#frag";
    CHECK(parse(to_yaml(c)) == c);
}

TEST_CASE("relative paths in the file are relative to the file's directory", "[config]") {
    const std::string text =
        "keys:\n  master_key: file:keys/master.key\naudit:\n  archive_dir: archive\nmigrations:\n  dir: ../migrations\n";
    const Config c = parse_config(text, "/etc/tenantctl/tenantctl.yaml");
    CHECK(c.keys.master_key == "file:/etc/tenantctl/keys/master.key");
    CHECK(c.audit.archive_dir == fs::path("/etc/tenantctl/archive"));
    CHECK(c.migrations.dir == fs::path("/etc/tenantctl/../migrations"));

    const Config absolute = parse_config("keys:\n  master_key: file:/run/key\nmigrations:\n  dir: /srv/m\n", "/etc/t.yaml");
    CHECK(absolute.keys.master_key == "file:/run/key");
    CHECK(absolute.migrations.dir == fs::path("/srv/m"));

    CHECK(parse_config("", "/etc/tenantctl/tenantctl.yaml").migrations.dir == "migrations");  // the default is not moved
    CHECK(parse_config("keys:\n  master_key: env:K\n", "/etc/t.yaml").keys.master_key == "env:K");
}

// ---------------------------------------------------------------------------------------
// Errors: each names file:line:col (1-based)
// ---------------------------------------------------------------------------------------

TEST_CASE("YAML syntax errors name the position", "[config][errors]") {
    CHECK(config_error("tenancy:\n  mode: [shared\nkeys: {}\n") ==
          "tenantctl.yaml:3:5: invalid YAML: end of sequence flow not found");
    CHECK(config_error("tenancy: {mode: shared\n") == "tenantctl.yaml:2:1: invalid YAML: end of map flow not found");
    CHECK(config_error("schema: \"tenantctl") == "tenantctl.yaml:1:19: invalid YAML: illegal EOF in scalar");
    // yaml-cpp 0.7 closes an unterminated quote at a final newline; the name check still catches it.
    CHECK(config_error("schema: \"tenantctl\n") ==
          "tenantctl.yaml:1:9: schema: expected a name, got a name with leading or trailing whitespace");
    CHECK(config_error("audit:\n  retention: 400d\n premake: 3\n") == "tenantctl.yaml:3:2: invalid YAML: end of map not found");
}

TEST_CASE("the file must be UTF-8", "[config][errors]") {
    CHECK(config_error("schema: tenantctl\ntenancy:\n  app_role: \xc3t\n") ==
          "tenantctl.yaml:3:13: invalid UTF-8 (the file must be UTF-8 text)");
    CHECK(config_error("\xff") == "tenantctl.yaml:1:1: invalid UTF-8 (the file must be UTF-8 text)");
    CHECK(parse("tenancy:\n  app_role: \"r\xc3\xb4le\"\n").tenancy.app_role == "r\xc3\xb4le");
}

TEST_CASE("a stray comma is an error, not an endless loop or an empty file", "[config][errors]") {
    // yaml-cpp 0.7's LoadAll never returns on these and Load reads them as an empty document.
    CHECK(config_error(",") == "tenantctl.yaml:1:1: invalid YAML: unexpected ','");
    CHECK(config_error(",schema: x\n") == "tenantctl.yaml:1:1: invalid YAML: unexpected ','");
    CHECK(config_error("# header\n\n  ,\nschema: x\n") == "tenantctl.yaml:3:3: invalid YAML: unexpected ','");
    CHECK(config_error("schema: x\n,\n") == "tenantctl.yaml:2:1: invalid YAML: end of map not found");
}

TEST_CASE("the file must be one map", "[config][errors]") {
    CHECK(config_error("- contexts\n- schema\n") == "tenantctl.yaml:1:1: expected a map at the top level, got a list");
    CHECK(config_error("just text\n") == "tenantctl.yaml:1:1: expected a map at the top level, got a string");
    CHECK(config_error("schema: a\n---\nschema: b\n") ==
          "tenantctl.yaml:2:1: expected one YAML document, found a second one");
    CHECK(config_error("schema: a\n...\n---\n,\n") == "tenantctl.yaml:3:1: expected one YAML document, found a second one");
    CHECK(parse("---\nschema: a\n...\n# the end\n").schema == "a");
}

TEST_CASE("unknown keys are errors at every level, with a did-you-mean hint", "[config][errors]") {
    CHECK(config_error("shcema: tenantctl\n") == "tenantctl.yaml:1:1: unknown key 'shcema' at the top level");
    CHECK(config_hint("shcema: tenantctl\n") == "did you mean 'schema'?");

    CHECK(config_error("tenancy:\n  mode: shared\n  colum: tenant_id\n") ==
          "tenantctl.yaml:3:3: unknown key 'colum' in tenancy");
    CHECK(config_hint("tenancy:\n  mode: shared\n  colum: tenant_id\n") == "did you mean 'column'?");

    CHECK(config_error("audit:\n  retension: 400d\n") == "tenantctl.yaml:2:3: unknown key 'retension' in audit");
    CHECK(config_hint("audit:\n  retension: 400d\n") == "did you mean 'retention'?");

    CHECK(config_error("contexts:\n  prod: {database: x, pasword: y}\n") ==
          "tenantctl.yaml:2:23: unknown key 'pasword' in contexts.prod");

    const std::string deep = "data:\n  tables:\n    users: {subject: id, pi: [email]}\n";
    CHECK(config_error(deep) == "tenantctl.yaml:3:26: unknown key 'pi' in data.tables.users");
    CHECK(config_hint(deep) == "did you mean 'pii'?");

    CHECK(config_error("data:\n  processing:\n    purpose: billing\n") ==
          "tenantctl.yaml:3:5: unknown key 'purpose' in data.processing");
    CHECK(config_error("data:\n  links:\n    - {from: a.b, to: c.d, via: e.f}\n") ==
          "tenantctl.yaml:3:28: unknown key 'via' in data.links[0]");
}

TEST_CASE("an unknown key far from any known one lists the valid keys", "[config][errors]") {
    CHECK(config_error("migrations:\n  path: db\n") == "tenantctl.yaml:2:3: unknown key 'path' in migrations");
    CHECK(config_hint("migrations:\n  path: db\n") == "valid keys: dir, layout");
    CHECK(config_hint("database: x\n") ==
          "valid keys: contexts, current_context, schema, tenancy, keys, audit, migrations, maintain, data");
}

TEST_CASE("duplicate keys, merge keys and complex keys are errors", "[config][errors]") {
    CHECK(config_error("schema: a\ntenancy: {}\nschema: b\n") ==
          "tenantctl.yaml:3:1: duplicate key 'schema' at the top level (first at line 1)");
    CHECK(config_error("base: &b {premake: 3}\n") == "tenantctl.yaml:1:1: unknown key 'base' at the top level");
    CHECK(config_error("audit:\n  <<: {premake: 3}\n") ==
          "tenantctl.yaml:2:3: merge keys (<<) are not supported; write the settings out");
    CHECK(config_error("audit:\n  ? [a, b]\n  : 1\n") == "tenantctl.yaml:2:5: keys must be plain strings, not maps or lists");
    CHECK(config_error("data:\n  tables:\n    users: {}\n    public.users: {}\n") ==
          "tenantctl.yaml:4:5: data.tables: public.users is listed twice (first as 'users' at line 3)");
}

TEST_CASE("wrong types name the setting and what was found", "[config][errors]") {
    CHECK(config_error("audit:\n  premake: three\n") ==
          "tenantctl.yaml:2:12: audit.premake: expected a whole number from 0 to 24, got 'three'");
    CHECK(config_error("audit:\n  premake: 25\n") ==
          "tenantctl.yaml:2:12: audit.premake: expected a whole number from 0 to 24, got '25'");
    for (const char* bad : {"-1", "3.5", "0x3", "+3", "3 ", "99999999999999999999"}) {
        INFO("premake: " << bad);
        CHECK_THROWS_AS(parse(std::string("audit:\n  premake: '") + bad + "'\n"), UsageError);
    }
    CHECK(config_error("audit:\n  premake: [3]\n") ==
          "tenantctl.yaml:2:12: audit.premake: expected a whole number from 0 to 24, got a list");
    CHECK(config_error("audit:\n  premake:\n") ==
          "tenantctl.yaml:2:3: audit.premake: expected a whole number from 0 to 24, got nothing");
    CHECK(config_error("tenancy: shared\n") == "tenantctl.yaml:1:10: expected a map in tenancy, got a string");
    CHECK(config_error("schema: {name: x}\n") == "tenantctl.yaml:1:9: schema: expected a string, got a map");
    CHECK(config_error("schema:\n") == "tenantctl.yaml:1:1: schema: expected a string, got nothing");
    CHECK(config_error("data:\n  subjects: {table: users, lookup: email}\n") ==
          "tenantctl.yaml:2:36: data.subjects.lookup: expected a list, got 'email'");
    CHECK(config_hint("data:\n  subjects: {table: users, lookup: email}\n") == "write [email]");
    CHECK(config_error("data:\n  tables:\n    users: {pii: [email, [x]]}\n") ==
          "tenantctl.yaml:3:26: data.tables.users.pii[1]: expected a string, got a list");
    CHECK(config_error("data:\n  links: {from: a.b}\n") == "tenantctl.yaml:2:10: data.links: expected a list, got a map");
}

TEST_CASE("invalid enum values suggest the closest valid one", "[config][errors]") {
    CHECK(config_error("tenancy:\n  mode: shards\n") ==
          "tenantctl.yaml:2:9: tenancy.mode: invalid value 'shards' (expected one of shared, schema)");
    CHECK(config_hint("tenancy:\n  mode: shards\n") == "did you mean 'shared'?");
    CHECK(config_error("keys:\n  jwt_alg: HS256\n") ==
          "tenantctl.yaml:2:12: keys.jwt_alg: invalid value 'HS256' (expected one of RS256, ES256)");
    CHECK(config_hint("keys:\n  jwt_alg: rs256\n") == "did you mean 'RS256'?");
    CHECK(config_error("data:\n  tables:\n    users: {erase: remove}\n") ==
          "tenantctl.yaml:3:20: data.tables.users.erase: invalid value 'remove' (expected one of delete, anonymize, "
          "retain)");
    CHECK(config_error("data:\n  tables:\n    users:\n      erase: anonymize\n      anonymize: {email: scramble}\n") ==
          "tenantctl.yaml:5:26: data.tables.users.anonymize.email: invalid value 'scramble' (expected one of null, "
          "redact, hash)");
    CHECK(config_error("tenancy:\n  mode: [shared]\n") ==
          "tenantctl.yaml:2:9: tenancy.mode: expected one of shared, schema; got a list");
}

TEST_CASE("invalid durations name the setting", "[config][errors]") {
    CHECK(config_error("keys:\n  rotate_after: 90\n") ==
          "tenantctl.yaml:2:17: keys.rotate_after: invalid duration '90': expected e.g. 30s, 15m, 7d, 13mo, 1y");
    CHECK(config_error("audit:\n  retention: 400 days\n") ==
          "tenantctl.yaml:2:14: audit.retention: invalid duration '400 days': expected e.g. 30s, 15m, 7d, 13mo, 1y");
    CHECK(config_error("keys:\n  refresh_token_lifetime: -7d\n") ==
          "tenantctl.yaml:2:27: keys.refresh_token_lifetime: invalid duration '-7d': expected e.g. 30s, 15m, 7d, 13mo, "
          "1y");
    CHECK(config_error("audit:\n  retention: 0d\n") == "tenantctl.yaml:2:14: audit.retention: must be longer than zero");
}

TEST_CASE("erase: retain needs a basis, and basis and anonymize need their erase mode", "[config][errors]") {
    CHECK(config_error("data:\n  tables:\n    invoices:  {subject: user_id,  erase: retain}\n") ==
          "tenantctl.yaml:3:43: data.tables.invoices.erase: erase: retain needs a basis (the legal reason the rows are "
          "kept)");
    CHECK(config_hint("data:\n  tables:\n    invoices: {erase: retain}\n") == "add e.g. basis: \"tax law, 10y\"");
    CHECK(config_error("data:\n  tables:\n    invoices: {erase: retain, basis: \"  \"}\n") ==
          "tenantctl.yaml:3:38: data.tables.invoices.basis: must not be empty");
    CHECK(config_error("data:\n  tables:\n    invoices:\n      erase: delete\n      basis: tax law\n") ==
          "tenantctl.yaml:5:7: data.tables.invoices: basis only applies to erase: retain");
    CHECK(config_error("data:\n  tables:\n    users: {basis: consent}\n") ==
          "tenantctl.yaml:3:13: data.tables.users: basis only applies to erase: retain");
    CHECK(config_error("data:\n  tables:\n    users: {erase: delete, anonymize: {email: hash}}\n") ==
          "tenantctl.yaml:3:28: data.tables.users: anonymize only applies to erase: anonymize");
}

TEST_CASE("names in the data map are checked", "[config][errors]") {
    CHECK(config_error("data:\n  tables:\n    a.b.c: {}\n") ==
          "tenantctl.yaml:3:5: data.tables.a.b.c: invalid table name 'a.b.c': expected TABLE or SCHEMA.TABLE");
    CHECK(config_error("data:\n  tables:\n    app.: {}\n") ==
          "tenantctl.yaml:3:5: data.tables.app.: invalid table name 'app.': an empty name in it");
    const std::string long_name(64, 'x');
    CHECK(config_error("data:\n  tables:\n    users: {pii: [" + long_name + "]}\n") ==
          "tenantctl.yaml:3:19: data.tables.users.pii[0]: expected a name, got a name of 64 bytes (PostgreSQL allows 63)");
    CHECK(config_error("data:\n  tables:\n    users: {pii: [email, email]}\n") ==
          "tenantctl.yaml:3:26: data.tables.users.pii[1]: duplicate name 'email'");
    CHECK(config_error("data:\n  subjects: {key: id}\n") == "tenantctl.yaml:2:3: data.subjects: missing table");
    CHECK(config_error("data:\n  subjects:\n") ==
          "tenantctl.yaml:2:3: data.subjects: expected a map with table, key and lookup");
    CHECK(config_error("data:\n  subjects: {table: a.b.c}\n") ==
          "tenantctl.yaml:2:21: data.subjects.table: invalid table name 'a.b.c': expected TABLE or SCHEMA.TABLE");
    CHECK(config_error("schema: \"\"\n") == "tenantctl.yaml:1:9: schema: expected a name, got an empty name");
}

TEST_CASE("links and exclusions are checked", "[config][errors]") {
    CHECK(config_error("data:\n  links:\n    - {from: comments.author}\n") ==
          "tenantctl.yaml:3:7: data.links[0]: missing to");
    CHECK(config_error("data:\n  links:\n    - {to: users.id}\n") == "tenantctl.yaml:3:7: data.links[0]: missing from");
    CHECK(config_error("data:\n  links:\n    - comments.author\n") ==
          "tenantctl.yaml:3:7: data.links[0]: expected a map with from and to, got 'comments.author'");
    CHECK(config_error("data:\n  links:\n    - {from: author, to: users.id}\n") ==
          "tenantctl.yaml:3:14: data.links[0].from: invalid column reference 'author': expected TABLE.COLUMN or "
          "SCHEMA.TABLE.COLUMN");
    CHECK(config_error("data:\n  exclude: [users, a.b.c.d]\n") ==
          "tenantctl.yaml:2:20: data.exclude[1]: invalid exclusion 'a.b.c.d': expected TABLE, [SCHEMA.]TABLE.* or "
          "[SCHEMA.]TABLE.COLUMN");
    CHECK(config_error("data:\n  exclude: [\"*\"]\n") ==
          "tenantctl.yaml:2:13: data.exclude[0]: invalid exclusion '*': '*' may only stand for the column, as in TABLE.*");
    CHECK(config_error("data:\n  exclude: [\"a.b.c.*\"]\n") ==
          "tenantctl.yaml:2:13: data.exclude[0]: invalid exclusion 'a.b.c.*': expected TABLE, [SCHEMA.]TABLE.* or "
          "[SCHEMA.]TABLE.COLUMN");
}

TEST_CASE("processing values are strings or lists of strings", "[config][errors]") {
    CHECK(config_error("data:\n  processing:\n    purposes: {a: b}\n") ==
          "tenantctl.yaml:3:15: data.processing.purposes: expected a string or a list of strings, got a map");
    CHECK(config_error("data:\n  processing:\n    purposes: [billing, [x]]\n") ==
          "tenantctl.yaml:3:25: data.processing.purposes[1]: expected a string, got a list");
    CHECK(config_error("data:\n  processing:\n    source:\n") ==
          "tenantctl.yaml:3:5: data.processing.source: expected a string or a list of strings, got nothing");
    CHECK(config_error("data:\n  processing:\n    source: ''\n") ==
          "tenantctl.yaml:3:13: data.processing.source: must not be empty");
}

TEST_CASE("contexts and current_context are checked", "[config][errors]") {
    CHECK(config_error("contexts:\n  prod: {}\n") == "tenantctl.yaml:2:3: contexts.prod: missing database");
    CHECK(config_error("contexts:\n  prod:\n") == "tenantctl.yaml:2:3: contexts.prod: missing database");
    CHECK(config_error("contexts:\n  prod: {database: ''}\n") ==
          "tenantctl.yaml:2:20: contexts.prod.database: must not be empty");
    CHECK(config_error("contexts:\n  prod: postgresql://ops:s3cr3t@db/app\n") ==
          "tenantctl.yaml:2:9: expected a map in contexts.prod, got a string");  // the URL may hold a password
    const std::string unknown = "contexts:\n  prod: {database: a}\n  staging: {database: b}\ncurrent_context: prdo\n";
    CHECK(config_error(unknown) ==
          "tenantctl.yaml:4:18: current_context: 'prdo' is not defined in contexts (known: prod, staging)");
    CHECK(config_hint(unknown) == "did you mean 'prod'?");
    CHECK(config_error("current_context: prod\n") ==
          "tenantctl.yaml:1:18: current_context: 'prod' is not defined in contexts (there are none)");
}

TEST_CASE("keys.master_key must be a source and is never echoed", "[config][errors]") {
    const std::string literal = "keys:\n  master_key: c2VjcmV0LWtleS1tYXRlcmlhbC0zMi1ieXRlcy1sb25nISE=\n";
    CHECK(config_error(literal) ==
          "tenantctl.yaml:2:15: keys.master_key: expected env:NAME, file:PATH or cmd:COMMAND (a literal key is not "
          "accepted)");
    for (const char* bad : {"env:", "file:", "vault:s3cr3t/key", "ENV:KEY", "s3cr3t:with-colon", "s3cr3t"}) {
        INFO("master_key: " << bad);
        const std::string message = config_error(std::string("keys:\n  master_key: \"") + bad + "\"\n");
        CHECK(message == "tenantctl.yaml:2:15: keys.master_key: expected env:NAME, file:PATH or cmd:COMMAND (a "
                         "literal key is not accepted)");
        CHECK(message.find("s3cr3t") == std::string::npos);
    }
    CHECK(config_error("keys:\n  master_key: [env:X]\n") == "tenantctl.yaml:2:15: keys.master_key: expected a string, got a list");
    CHECK(config_error("keys: c2VjcmV0\n") == "tenantctl.yaml:1:7: expected a map in keys, got a string");
}

TEST_CASE("tenancy.setting must be a custom setting name", "[config][errors]") {
    CHECK(config_error("tenancy:\n  setting: tenant_id\n") ==
          "tenantctl.yaml:2:12: tenancy.setting: 'tenant_id' is not a custom setting name (expected PREFIX.NAME, e.g. "
          "app.tenant_id)");
    for (const char* bad : {"app.", ".tenant", "app..x", "1app.x", "app.tenant-id", "app tenant.id"}) {
        INFO("setting: " << bad);
        CHECK_THROWS_AS(parse(std::string("tenancy:\n  setting: '") + bad + "'\n"), UsageError);
    }
    CHECK(parse("tenancy:\n  setting: a.b.c\n").tenancy.setting == "a.b.c");
}

TEST_CASE("hostile values stay on one line in messages", "[config][errors]") {
    const std::string message = config_error("tenancy:\n  mode: \"shared\\nINFO all good\"\n");
    CHECK(message == "tenantctl.yaml:2:9: tenancy.mode: invalid value 'shared\\nINFO all good' (expected one of shared, "
                     "schema)");
}

// ---------------------------------------------------------------------------------------
// Contexts
// ---------------------------------------------------------------------------------------

TEST_CASE("database_for picks the named context, else current_context, else nothing", "[config][contexts]") {
    Config c = parse("contexts:\n  prod: {database: P}\n  staging: {database: S}\n");
    CHECK(c.database_for("prod") == "P");
    CHECK(c.database_for("staging") == "S");
    CHECK_FALSE(c.database_for(std::nullopt));  // no implicit pick, even of a single context

    c = parse("contexts:\n  prod: {database: P}\n  staging: {database: S}\ncurrent_context: staging\n");
    CHECK(c.database_for(std::nullopt) == "S");
    CHECK(c.database_for("prod") == "P");
}

TEST_CASE("database_for names unknown contexts and lists the known ones", "[config][contexts]") {
    const Config c = parse("contexts:\n  prod: {database: P}\n  staging: {database: S}\n");
    const UsageError e = usage_error([&] { c.database_for("stagign"); });
    CHECK(std::string(e.what()) == "unknown context 'stagign' (known: prod, staging)");
    CHECK(e.hint() == "did you mean 'staging'?");
    CHECK(e.code() == Exit::usage);

    CHECK(std::string(usage_error([&] { parse("").database_for("prod"); }).what()) ==
          "unknown context 'prod': tenantctl.yaml defines no contexts");
    CHECK(std::string(usage_error([] { Config{}.database_for("prod"); }).what()) ==
          "unknown context 'prod': no config file was found");

    Config broken = c;  // built by hand rather than parsed
    broken.current_context = "gone";
    CHECK(std::string(usage_error([&] { broken.database_for(std::nullopt); }).what()) ==
          "unknown context 'gone' (current_context) (known: prod, staging)");
}

// ---------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------

TEST_CASE("load_config_file reads a file and names it in errors", "[config][files]") {
    TempDir dir;
    const fs::path file = dir.write("tenantctl.yaml", "audit:\n  premake: 5\n");
    const Config c = load_config_file(file);
    CHECK(c.audit.premake == 5);
    CHECK(c.source == file.string());

    const fs::path bad = dir.write("bad.yaml", "audit:\n  premake: lots\n");
    CHECK(std::string(usage_error([&] { load_config_file(bad); }).what()) ==
          bad.string() + ":2:12: audit.premake: expected a whole number from 0 to 24, got 'lots'");

    const fs::path missing = dir.path() / "missing.yaml";
    CHECK(std::string(usage_error([&] { load_config_file(missing); }).what()) ==
          "cannot read config file '" + missing.string() + "': No such file or directory");
    CHECK(std::string(usage_error([&] { load_config_file(dir.path()); }).what()) ==
          "cannot read config file '" + dir.path().string() + "': it is a directory");
}

TEST_CASE("load_config_file resolves relative paths against the file's directory", "[config][files]") {
    TempDir dir;
    const fs::path file = dir.write("conf/tenantctl.yaml", "migrations:\n  dir: ../migrations\n");
    CHECK(load_config_file(file).migrations.dir == dir.path() / "conf" / "../migrations");
}

TEST_CASE("locate_config follows flag > TENANTCTL_CONFIG > ./tenantctl.yaml > XDG", "[config][files]") {
    TempDir dir;
    const fs::path work = dir.path() / "work";
    const fs::path home = dir.path() / "home";
    fs::create_directories(work);
    const fs::path flag_file = dir.write("flag.yaml", "");
    const fs::path env_file = dir.write("env.yaml", "");
    const fs::path local_file = dir.write("work/tenantctl.yaml", "");
    const fs::path xdg_file = dir.write("xdg/tenantctl/config.yaml", "");
    const fs::path home_file = dir.write("home/.config/tenantctl/config.yaml", "");

    SearchEnvironment env{env_file.string(), (dir.path() / "xdg").string(), home.string(), work};
    CHECK(locate_config(flag_file.string(), env) == flag_file);
    CHECK(locate_config(std::nullopt, env) == env_file);
    CHECK(locate_config(std::string{}, env) == env_file);  // an empty flag counts as not given

    env.tenantctl_config = "";
    CHECK(locate_config(std::nullopt, env) == local_file);
    env.tenantctl_config.reset();
    CHECK(locate_config(std::nullopt, env) == local_file);

    fs::remove(local_file);
    CHECK(locate_config(std::nullopt, env) == xdg_file);

    env.xdg_config_home = "relative/xdg";  // the XDG spec says to ignore relative paths
    CHECK(locate_config(std::nullopt, env) == home_file);
    env.xdg_config_home.reset();
    CHECK(locate_config(std::nullopt, env) == home_file);

    fs::remove(home_file);
    CHECK_FALSE(locate_config(std::nullopt, env));
    env.home.reset();
    CHECK_FALSE(locate_config(std::nullopt, env));
}

TEST_CASE("locate_config resolves a relative flag against the working directory", "[config][files]") {
    TempDir dir;
    const fs::path file = dir.write("work/conf/t.yaml", "");
    const SearchEnvironment env{std::nullopt, std::nullopt, std::nullopt, dir.path() / "work"};
    CHECK(locate_config("conf/t.yaml", env) == file);
}

TEST_CASE("a config file named explicitly must exist", "[config][files]") {
    TempDir dir;
    dir.write("work/tenantctl.yaml", "");  // a default that must not be used instead
    const SearchEnvironment env{std::nullopt, std::nullopt, std::nullopt, dir.path() / "work"};
    CHECK(std::string(usage_error([&] { locate_config("nope.yaml", env); }).what()) ==
          "config file 'nope.yaml' (from --config) not found");
    CHECK(std::string(usage_error([&] { locate_config(dir.path().string(), env); }).what()) ==
          "config file '" + dir.path().string() + "' (from --config) is a directory");

    SearchEnvironment with_variable = env;
    with_variable.tenantctl_config = "/nonexistent/tenantctl.yaml";
    CHECK(std::string(usage_error([&] { locate_config(std::nullopt, with_variable); }).what()) ==
          "config file '/nonexistent/tenantctl.yaml' (from TENANTCTL_CONFIG) not found");
}

TEST_CASE("a directory in a default location is not a config file", "[config][files]") {
    TempDir dir;
    fs::create_directories(dir.path() / "work" / "tenantctl.yaml");
    const SearchEnvironment env{std::nullopt, std::nullopt, std::nullopt, dir.path() / "work"};
    CHECK_FALSE(locate_config(std::nullopt, env));
}

TEST_CASE("SearchEnvironment::from_process reads the real environment", "[config][files]") {
    ::setenv("TENANTCTL_CONFIG", "/some/where.yaml", 1);
    const auto env = SearchEnvironment::from_process();
    ::unsetenv("TENANTCTL_CONFIG");
    CHECK(env.tenantctl_config == "/some/where.yaml");
    CHECK(env.working_dir == fs::current_path());
    CHECK_FALSE(SearchEnvironment::from_process().tenantctl_config);
}

// ---------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------

TEST_CASE("qualified names default to public", "[config][names]") {
    CHECK(parse_qualified_name("users") == QualifiedName{"public", "users"});
    CHECK(parse_qualified_name("app.users") == QualifiedName{"app", "users"});
    CHECK(parse_qualified_name("Users") == QualifiedName{"public", "Users"});  // as written; quoted in SQL
    CHECK(parse_column_ref("users.id") == ColumnRef{{"public", "users"}, "id"});
    CHECK(parse_column_ref("app.users.id").to_string() == "app.users.id");
    for (const char* bad : {"", ".", "a.", ".a", "a.b.c", "a..b"}) {
        INFO("name: " << bad);
        CHECK_THROWS_AS(parse_qualified_name(bad), UsageError);
    }
    for (const char* bad : {"", "users", "a.b.c.d", "users.", ".id"}) {
        INFO("ref: " << bad);
        CHECK_THROWS_AS(parse_column_ref(bad), UsageError);
    }
}

TEST_CASE("enum names are the words the file uses", "[config][names]") {
    CHECK(to_string(TenancyMode::schema) == "schema");
    CHECK(to_string(JwtAlgorithm::es256) == "ES256");
    CHECK(to_string(EraseAction::delete_rows) == "delete");
    CHECK(to_string(AnonymizeStrategy::null) == "null");
}

TEST_CASE("maintain.disable lists tasks maintain leaves out, checked by name", "[config]") {
    CHECK(parse("").maintain.disable.empty());
    CHECK(parse("maintain:\n").maintain.disable.empty());
    const Config c = parse("maintain:\n  disable: [audit-prune, key-reencrypt]\n");
    CHECK(c.maintain.disable == std::vector<std::string>{"audit-prune", "key-reencrypt"});
    CHECK(parse(to_yaml(c)) == c);
    CHECK(config_error("maintain:\n  disable: [audit-prnue]\n") ==
          "tenantctl.yaml:2:13: maintain.disable[0]: invalid value 'audit-prnue' (expected one of audit-partitions, "
          "audit-seal, audit-prune, tenant-purge, key-rotate, key-reencrypt, jwt-retire, gdpr-due)");
    CHECK(config_error("maintain:\n  disable: audit-prune\n").find("expected a list") != std::string::npos);
    CHECK(config_error("maintain:\n  disable: [audit-seal, audit-seal]\n").find("duplicate task 'audit-seal'") !=
          std::string::npos);
    CHECK(config_error("maintain:\n  skip: [audit-seal]\n").find("unknown key 'skip'") != std::string::npos);
}

TEST_CASE("tenancy.tenants_table names the app's own tenants table", "[config]") {
    const Config c = parse("tenancy:\n  column: company_id\n  tenants_table: {table: app.Companies, key: id, slug: handle}\n");
    REQUIRE(c.tenancy.tenants_table);
    CHECK(c.tenancy.tenants_table->table.schema == "app");
    CHECK(c.tenancy.tenants_table->key == "id");
    CHECK(c.tenancy.tenants_table->slug == "handle");
    CHECK_FALSE(c.tenancy.tenants_table->name);
    CHECK(parse(to_yaml(c)) == c);
    CHECK_THROWS_AS(parse("tenancy:\n  tenants_table: {key: id}\n"), UsageError);
    CHECK_THROWS_AS(parse("tenancy:\n  tenants_table: {table: companies, keys: id}\n"), UsageError);
}
