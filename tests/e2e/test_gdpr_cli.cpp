// End-to-end: `tenantctl gdpr ...` on the example app, checking stdout, stderr, exit codes
// and that bad input leaves nothing behind.
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/crypto/hash.hpp"
#include "core/util/process.hpp"
#include "tests/support/gdpr_fixture.hpp"

using namespace tenantctl;
using test::run_cli;

namespace {

struct Env {
    test::GdprFixture f;
    test::TempDir dir;
    std::string config;
    explicit Env(const std::string& yaml = test::gdpr_yaml()) {
        config = (dir / "tenantctl.yaml").string();
        test::write_file(config, yaml);
    }
    test::CliResult run(std::vector<std::string> args) {
        args.insert(args.begin(), {"-c", config});
        return run_cli(args, &f.db);
    }
    std::string q(const std::string& sql) { return f.db.query_value(sql); }
};

unsigned mode_of(const std::filesystem::path& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 0777;
}

}  // namespace

TEST_CASE("gdpr export writes a 0600 zip with manifest, data, audit, processing and README", "[e2e][gdpr]") {
    Env e;
    auto out = e.dir / "alice.zip";
    auto r = e.run({"gdpr", "export", "--tenant", "acme", "--subject", "email:alice@example.com", "-O", out.string(),
                    "-o", "json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto doc = nlohmann::json::parse(r.out);
    CHECK(doc["rows"]["public.documents"] == 3);
    CHECK(mode_of(out) == 0600);
    auto names = test::read_file(out);
    for (const char* n : {"manifest.json", "data/public.users.json", "audit.json", "processing.json", "README.txt"})
        CHECK(names.find(n) != std::string::npos);
    CHECK(e.q("SELECT artifact_sha256 FROM tenantctl.gdpr_requests") == doc["sha256"].get<std::string>());
    // -O refuses to overwrite without --force.
    auto again = e.run({"gdpr", "export", "--tenant", "acme", "--subject", "email:alice@example.com", "-O", out.string()});
    CHECK(again.exit_code == 5);
    CHECK(again.err.find("already exists") != std::string::npos);
    CHECK(e.run({"gdpr", "export", "--tenant", "acme", "--subject", "email:alice@example.com", "-O", out.string(),
                 "--force"})
              .exit_code == 0);
}

TEST_CASE("gdpr export --format json prints one document", "[e2e][gdpr]") {
    Env e;
    auto r = e.run({"gdpr", "export", "--tenant", "acme", "--subject", "id:" + e.f.alice, "--format", "json"});
    REQUIRE(r.exit_code == 0);
    auto doc = nlohmann::json::parse(r.out);
    CHECK(doc["data"]["public.users"][0]["phone"] == "+33 6 11 11 11 11");
    CHECK(doc["manifest"]["tenant"] == "acme");
}

TEST_CASE("gdpr export bad inputs: exit codes and nothing written", "[e2e][gdpr]") {
    Env e;
    auto out = e.dir / "x.zip";
    auto run = [&](const std::string& selector) {
        return e.run({"gdpr", "export", "--tenant", "acme", "--subject", selector, "-O", out.string()});
    };
    auto unknown = run("email:nobody@example.com");
    CHECK(unknown.exit_code == 4);
    auto several = run("full_name:Sam Smith");
    CHECK(several.exit_code == 5);
    CHECK(several.err.find("id:" + e.f.bob) != std::string::npos);
    CHECK(several.err.find("id:" + e.f.carol) != std::string::npos);
    auto column = run("emial:alice@example.com");
    CHECK(column.exit_code == 2);
    CHECK(column.err.find("did you mean 'email'?") != std::string::npos);
    CHECK(e.run({"gdpr", "export", "--tenant", "nope", "--subject", "email:a@b", "-O", out.string()}).exit_code == 4);
    CHECK(!std::filesystem::exists(out));
    CHECK(std::distance(std::filesystem::directory_iterator(e.dir.path()), std::filesystem::directory_iterator()) == 1);
    auto unwritable = e.run({"gdpr", "export", "--tenant", "acme", "--subject", "email:alice@example.com", "-O",
                             "/nonexistent-dir/x.zip"});
    CHECK(unwritable.exit_code == 2);
    CHECK(e.q("SELECT count(*) FROM tenantctl.gdpr_requests") == "0");
}

TEST_CASE("gdpr export with an undecryptable value exits 8 but writes the file", "[e2e][gdpr]") {
    Env e;
    e.f.db.exec(fmt::format("UPDATE documents SET body = '{}' WHERE owner_id = '{}'", e.f.encrypt(e.f.globex, "x"),
                            e.f.alice));
    auto r = e.run({"gdpr", "export", "--tenant", "acme", "--subject", "email:alice@example.com", "--format", "json"});
    CHECK(r.exit_code == 8);
    CHECK(r.err.find("3 encrypted value(s) did not decrypt") != std::string::npos);
    CHECK(nlohmann::json::parse(r.out)["data"]["public.documents"][0]["body"]["undecryptable"] == true);
}

TEST_CASE("a data map naming a missing column exits 2", "[e2e][gdpr]") {
    auto yaml = test::gdpr_yaml();
    yaml.replace(yaml.find("non_pii: [amount]"), 17, "non_pii: [amnt]");
    Env e(yaml);
    auto r = e.run({"gdpr", "export", "--tenant", "acme", "--subject", "email:alice@example.com", "--format", "json"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("column 'amnt' does not exist in public.invoices") != std::string::npos);
    CHECK(r.out.empty());
}

TEST_CASE("gdpr export --all writes a tar.gz with NDJSON per table and a manifest", "[e2e][gdpr]") {
    Env e;
    // Text that needs every kind of escaping survives the COPY text -> NDJSON rendering.
    const std::string tricky = "He said \"hi\" \\ back\nslash\ttab \x01 \xc3\xbc";
    pqxx::connection c(e.f.db.conninfo());
    pqxx::work w(c);
    w.exec_params("UPDATE documents SET title = $1 WHERE owner_id = $2", tricky, e.f.bob);
    w.commit();
    auto out = e.dir / "acme.tar.gz";
    auto r = e.run({"gdpr", "export", "--tenant", "acme", "--all", "-O", out.string(), "-o", "json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(mode_of(out) == 0600);
    auto x = e.dir / "x";
    std::filesystem::create_directory(x);
    REQUIRE(std::system(fmt::format("tar -xzf {} -C {}", out.string(), x.string()).c_str()) == 0);
    auto manifest = nlohmann::json::parse(test::read_file(x / "manifest.json"));
    CHECK(manifest["tenant"] == "acme");
    auto users = test::read_file(x / "data/public.users.ndjson");
    CHECK(std::count(users.begin(), users.end(), '\n') == 3);
    CHECK(users.find("globex") == std::string::npos);
    CHECK(nlohmann::json::parse(users.substr(0, users.find('\n')))["tenant_id"] == e.f.acme);
    bool found = false;
    std::istringstream docs(test::read_file(x / "data/public.documents.ndjson"));
    for (std::string line; std::getline(docs, line);) {
        auto row = nlohmann::json::parse(line);
        CHECK(row["id"].is_number());
        if (row["title"] == tricky) found = true;
    }
    CHECK(found);
    for (const auto& t : manifest["files"])
        if (t["table"] == "public.users") CHECK(t["rows"] == 3);
    // zstd by file name.
    auto zst = e.dir / "acme.tar.zst";
    REQUIRE(e.run({"gdpr", "export", "--tenant", "acme", "--all", "-O", zst.string()}).exit_code == 0);
    CHECK(std::system(fmt::format("tar --zstd -tf {} | grep -qx manifest.json", zst.string()).c_str()) == 0);
    // CSV too.
    auto csv = e.dir / "acme-csv.tar.gz";
    REQUIRE(e.run({"gdpr", "export", "--tenant", "acme", "--all", "-O", csv.string(), "--table-format", "csv"})
                .exit_code == 0);
    REQUIRE(std::system(fmt::format("tar -xzf {} -C {}", csv.string(), x.string()).c_str()) == 0);
    CHECK(test::read_file(x / "data/public.invoices.csv").rfind("\"tenant_id\",\"id\",\"user_id\",\"amount\"\n", 0) == 0);
}

TEST_CASE("gdpr export -O - streams the archive to stdout and reports on stderr", "[e2e][gdpr]") {
    Env e;
    auto all = run_cli({"-c", e.config, "gdpr", "export", "--tenant", "acme", "--all", "-O", "-"}, &e.f.db,
                       test::in_dir(e.dir.path()));
    INFO(all.err);
    REQUIRE(all.exit_code == 0);
    CHECK_FALSE(std::filesystem::exists(e.dir / "-"));  // not a file named "-"
    CHECK(all.err.find("wrote the archive to stdout: request ") != std::string::npos);
    const auto archive = e.dir / "from-stdout.tar.gz";
    test::write_file(archive, all.out);
    CHECK(std::system(fmt::format("tar -tzf {} | grep -qx manifest.json", archive.string()).c_str()) == 0);
    // The register holds the checksum of exactly the bytes that went to stdout.
    const auto sha = e.q("SELECT artifact_sha256 FROM tenantctl.gdpr_requests WHERE kind = 'export_all'");
    CHECK(all.err.find("sha256 " + sha) != std::string::npos);
    CHECK(crypto::sha256_hex(all.out) == sha);

    auto subject = run_cli({"-c", e.config, "gdpr", "export", "--tenant", "acme", "--subject", "email:alice@example.com",
                            "-O", "-"},
                           &e.f.db, test::in_dir(e.dir.path()));
    REQUIRE(subject.exit_code == 0);
    CHECK(subject.out.rfind("PK\x03\x04", 0) == 0);  // a zip, not a report
    CHECK(subject.out.find("manifest.json") != std::string::npos);
    CHECK(std::distance(std::filesystem::directory_iterator(e.dir.path()), std::filesystem::directory_iterator{}) == 2);
}

TEST_CASE("gdpr erase --dry-run, then erase with a receipt file", "[e2e][gdpr]") {
    Env e;
    auto plan = e.run({"gdpr", "erase", "--tenant", "acme", "--subject", "email:alice@example.com", "--dry-run", "-o",
                       "json"});
    REQUIRE(plan.exit_code == 0);
    auto rows = nlohmann::json::parse(plan.out);
    CHECK(rows.size() == 5);
    CHECK(e.q("SELECT count(*) FROM documents") == "5");

    auto receipt = e.dir / "receipt.json";
    auto r = e.run({"gdpr", "erase", "--tenant", "acme", "--subject", "email:alice@example.com", "-y", "-O",
                    receipt.string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(mode_of(receipt) == 0600);
    auto doc = nlohmann::json::parse(test::read_file(receipt));
    CHECK(doc["verified"] == true);
    CHECK(doc["tables"][2]["reason"] == "kept: tax law, 10y");
    CHECK(doc["tables"][1]["reason"] == "erasure request (GDPR Art. 17)");
    CHECK(doc.contains("erased_at"));
    CHECK(test::read_file(receipt).find("alice@example.com") == std::string::npos);
    CHECK(e.q("SELECT count(*) FROM documents") == "2");
    // Listed in the register, with the receipt.
    auto list = e.run({"gdpr", "requests", "list", "-o", "json"});
    REQUIRE(list.exit_code == 0);
    auto id = nlohmann::json::parse(list.out)[0]["id"].get<std::string>();
    auto show = e.run({"gdpr", "requests", "show", id, "-o", "json"});
    CHECK(nlohmann::json::parse(show.out)["receipt"]["tables"] == doc["tables"]);
    CHECK(e.run({"gdpr", "requests", "close", id}).exit_code == 0);
    // The subject is gone: erasing again is "not found".
    CHECK(e.run({"gdpr", "erase", "--tenant", "acme", "--subject", "email:alice@example.com", "-y"}).exit_code == 4);
}

TEST_CASE("gdpr erase without --yes and without a terminal is aborted", "[e2e][gdpr]") {
    Env e;
    auto r = e.run({"gdpr", "erase", "--tenant", "acme", "--subject", "email:alice@example.com"});
    CHECK(r.exit_code == 10);
    CHECK(e.q("SELECT count(*) FROM documents") == "5");
}

TEST_CASE("gdpr lint exits 3 on unclassified columns, doctor reports them and overdue requests", "[e2e][gdpr]") {
    Env e;
    CHECK(e.run({"gdpr", "lint"}).exit_code == 0);
    e.f.db.exec("ALTER TABLE users ADD COLUMN address text");
    auto r = e.run({"gdpr", "lint", "-o", "csv"});
    CHECK(r.exit_code == 3);
    CHECK(r.out.find("public.users,address") != std::string::npos);
    auto add = e.run({"gdpr", "requests", "add", "--tenant", "acme", "--kind", "erase", "--subject",
                      "email:bob@example.com", "--received", "2001-01-01T00:00:00Z"});
    REQUIRE(add.exit_code == 0);
    // The register never stores the e-mail as typed: the subject's key form.
    CHECK(e.q("SELECT subject FROM tenantctl.gdpr_requests") == "key:" + e.f.bob);
    auto doctor = e.run({"doctor", "--check", "gdpr_requests", "--check", "gdpr_map"});
    CHECK(doctor.exit_code == 3);
    CHECK(doctor.out.find("erase request of tenant acme was due 2001-02-01") != std::string::npos);
    CHECK(doctor.out.find("address") != std::string::npos);
}

TEST_CASE("a whole-tenant export killed inside COPY leaves no file at all", "[e2e][gdpr]") {
    Env e;
    auto out = e.dir / "acme.tar.gz";
    std::set<std::string> before;
    for (const auto& entry : std::filesystem::directory_iterator(e.dir.path())) before.insert(entry.path().string());
    // Hold a lock so the export blocks inside COPY, then kill it there.
    pqxx::connection blocker(e.f.db.conninfo());
    pqxx::work w(blocker);
    w.exec("LOCK TABLE users IN ACCESS EXCLUSIVE MODE");
    pid_t pid = ::fork();
    if (pid == 0) {
        ::setenv("TENANTCTL_DATABASE_URL", e.f.db.url().c_str(), 1);
        ::setenv("TENANTCTL_TEST_MASTER_KEY", test::test_master_key_base64().c_str(), 1);
        ::setenv("TENANTCTL_MASTER_KEY_SOURCE", "env:TENANTCTL_TEST_MASTER_KEY", 1);
        ::execl(TENANTCTL_BINARY, TENANTCTL_BINARY, "-c", e.config.c_str(), "-q", "gdpr", "export", "--tenant", "acme",
                "--all", "-O", out.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    // Until its COPY waits for the lock (the archive is open by then), however long that takes.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(5);
    while (e.q("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") ==
           "0") {
        int status = 0;
        REQUIRE(::waitpid(pid, &status, WNOHANG) == 0);
        REQUIRE(std::chrono::steady_clock::now() < give_up);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    w.abort();
    // The archive and the spools are unnamed files (O_TMPFILE): nothing of them is left.
    std::set<std::string> after;
    for (const auto& entry : std::filesystem::directory_iterator(e.dir.path())) after.insert(entry.path().string());
    CHECK(after == before);
    CHECK(e.q("SELECT count(*) FROM tenantctl.gdpr_requests") == "0");
    // A re-run completes.
    CHECK(e.run({"gdpr", "export", "--tenant", "acme", "--all", "-O", out.string()}).exit_code == 0);
    CHECK(std::filesystem::exists(out));
    for (const auto& entry : std::filesystem::directory_iterator(e.dir.path()))
        CHECK(entry.path().filename().string().find(".partial-") == std::string::npos);
}

TEST_CASE("gdpr erase after audit seal: audit verify still passes and the subject is gone from audit_log",
          "[e2e][gdpr][audit]") {
    Env e;
    // The app logged her address in another case: erasure matches e-mail identifiers
    // case-insensitively.
    e.f.db.exec(fmt::format("INSERT INTO tenantctl.audit_log (tenant_id, actor_type, actor_id, action, resource_type, "
                            "resource_id, metadata) VALUES ('{}', 'user', '{}', 'user.invite', 'user', '{}', "
                            "'{{\"to\": \"Alice@Example.COM\"}}')",
                            e.f.acme, e.f.bob, e.f.bob));
    auto seal = e.run({"audit", "seal", "--settle", "0s"});
    INFO(seal.err);
    REQUIRE(seal.exit_code == 0);
    REQUIRE(e.run({"audit", "verify", "--all"}).exit_code == 0);
    // Before erasure the export finds alice's events: she acted once and was acted on twice.
    auto exported = e.run({"gdpr", "export", "--tenant", "acme", "--subject", "email:alice@example.com", "--format",
                           "json"});
    REQUIRE(exported.exit_code == 0);
    CHECK(nlohmann::json::parse(exported.out)["audit"].size() == 2);

    auto erase = e.run({"gdpr", "erase", "--tenant", "acme", "--subject", "email:alice@example.com", "-y", "-o",
                        "json"});
    INFO(erase.err);
    REQUIRE(erase.exit_code == 0);

    auto verify = e.run({"audit", "verify", "--all", "-o", "json"});
    INFO(verify.out << verify.err);
    CHECK(verify.exit_code == 0);
    bool acme_ok = false;
    for (const auto& row : nlohmann::json::parse(verify.out))
        if (row["tenant"] == "acme") acme_ok = row["status"] == "ok" && row["verified"].get<long long>() >= 3;
    CHECK(acme_ok);
    // Neither her id nor her email is left in any column of any event.
    CHECK(e.q(fmt::format("SELECT count(*) FROM tenantctl.audit_log a WHERE strpos(a::text, '{}') > 0", e.f.alice)) ==
          "0");
    CHECK(e.q("SELECT count(*) FROM tenantctl.audit_log a WHERE strpos(lower(a::text), 'alice@example.com') > 0") ==
          "0");
    // The register names her by the pseudonym her events carry, so the key holder finds them.
    const auto pseudonym = e.q("SELECT DISTINCT subject FROM tenantctl.gdpr_requests");
    CHECK(pseudonym.rfind("pseudonym:", 0) == 0);
    auto mine = e.run({"audit", "query", "--tenant", "acme", "--actor", pseudonym, "-o", "json"});
    REQUIRE(mine.exit_code == 0);
    CHECK(nlohmann::json::parse(mine.out).size() == 1);
}

TEST_CASE("gdpr erase names the audit months archived before it: their archives keep the subject's identifiers",
          "[e2e][gdpr][audit]") {
    Env e;
    const std::filesystem::path archive = e.dir / "archive";
    std::filesystem::create_directory(archive);
    test::write_file(e.config, test::gdpr_yaml() + "audit:\n  archive_dir: " + archive.string() + "\n");
    // Alice acted 14 months ago; that month is pruned into an archive. An older archive in the
    // directory, whose prune event went with its own month, counts too; a .part does not.
    e.f.db.exec(fmt::format("INSERT INTO tenantctl.audit_log (tenant_id, occurred_at, actor_type, actor_id, action) "
                            "VALUES ('{}', date_trunc('month', now()) - interval '14 months' + interval '1 day', 'user', "
                            "'{}', 'doc.edit')",
                            e.f.acme, e.f.alice));
    auto before = e.run({"gdpr", "erase", "--tenant", "acme", "--subject", "email:alice@example.com", "--dry-run"});
    REQUIRE(before.exit_code == 0);
    CHECK(before.err.find("archived and dropped") == std::string::npos);
    auto prune = e.run({"audit", "partitions", "prune", "--older-than", "13mo", "-o", "json"});
    INFO(prune.err);
    REQUIRE(prune.exit_code == 0);
    const auto pruned = nlohmann::json::parse(prune.out);
    REQUIRE(pruned.size() == 1);
    const std::string month = pruned[0]["partition"];
    const std::string file = pruned[0]["archive"];
    CHECK(e.q("SELECT metadata->>'archive' FROM tenantctl.audit_log WHERE action = 'audit.partition.prune'") == file);
    test::write_file(archive / "audit_log_y2019m05.ndjson.gz", "");
    test::write_file(archive / "audit_log_y2019m06.ndjson.gz.part", "");

    const auto receipt = e.dir / "receipt.json";
    auto r = e.run({"gdpr", "erase", "--tenant", "acme", "--subject", "email:alice@example.com", "-y", "-O",
                    receipt.string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.find(fmt::format("2 audit months (audit_log_y2019m05 to {}) were archived and dropped before this "
                                 "erasure: their archives may hold the subject's identifiers",
                                 month)) != std::string::npos);
    const auto doc = nlohmann::json::parse(test::read_file(receipt));
    const auto& listed = doc["audit_archives_not_erased"]["months"];
    REQUIRE(listed.size() == 2);
    CHECK(listed[0]["partition"] == "audit_log_y2019m05");
    CHECK(listed[0]["archives"] == nlohmann::json::array({(archive / "audit_log_y2019m05.ndjson.gz").string()}));
    CHECK(listed[1]["partition"] == month);
    CHECK(listed[1]["archives"] == nlohmann::json::array({file}));
    // What the receipt says is so: the log no longer names her, the archive still does.
    CHECK(e.q(fmt::format("SELECT count(*) FROM tenantctl.audit_log a WHERE strpos(a::text, '{}') > 0", e.f.alice)) == "0");
    auto zcat = util::run_process({"sh", "-c", "zcat '" + file + "' | grep -c '" + e.f.alice + "'"});
    CHECK(zcat.out == "1\n");
}
