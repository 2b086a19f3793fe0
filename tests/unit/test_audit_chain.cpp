// Unit: the audit chain arithmetic, cursors and filter parsing (no database).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "core/audit/chain_hash.hpp"
#include "core/audit/query.hpp"
#include "core/crypto/hash.hpp"
#include "core/errors.hpp"

using namespace tenantctl;
using namespace tenantctl::audit;

namespace {

ChainEvent sample() {
    ChainEvent e;
    e.tenant_id = "11111111-1111-4111-8111-111111111111";
    e.id = 42;
    e.occurred_us = 1700000000123456;
    e.actor_type = "user";
    e.actor_id = "alice@example.com";
    e.action = "user.login";
    e.resource_type = "session";
    e.resource_id = "s-1";
    e.ip = "10.0.0.1";
    e.user_agent = "curl/8";
    e.metadata = R"({"k": "v"})";
    return e;
}

crypto::SecureBytes key() { return crypto::SecureBytes(std::string(32, 'k')); }

}  // namespace

TEST_CASE("every field of an event changes its leaf hash", "[unit][audit]") {
    Committer c(key());
    const Digest base = leaf_hash(sample(), c);
    CHECK(leaf_hash(sample(), c) == base);
    std::vector<std::function<void(ChainEvent&)>> edits = {
        [](ChainEvent& e) { e.id = 43; },
        [](ChainEvent& e) { e.occurred_us += 1; },
        [](ChainEvent& e) { e.actor_type = "operator"; },
        [](ChainEvent& e) { e.actor_id = "mallory"; },
        [](ChainEvent& e) { e.actor_id.reset(); },
        [](ChainEvent& e) { e.action = "user.logout"; },
        [](ChainEvent& e) { e.resource_type.reset(); },
        [](ChainEvent& e) { e.resource_id = "s-2"; },
        [](ChainEvent& e) { e.request_id = "r"; },
        [](ChainEvent& e) { e.ip = "10.0.0.2"; },
        [](ChainEvent& e) { e.user_agent = ""; },
        [](ChainEvent& e) { e.metadata = "{}"; },
        [](ChainEvent& e) { e.tenant_id = "22222222-2222-4222-8222-222222222222"; },
    };
    for (std::size_t i = 0; i < edits.size(); ++i) {
        INFO("edit " << i);
        auto e = sample();
        edits[i](e);
        CHECK(leaf_hash(e, c) != base);
    }
    // A different tenant key gives a different leaf: the chain cannot be recomputed without it.
    Committer other(crypto::SecureBytes(std::string(32, 'x')));
    CHECK(leaf_hash(sample(), other) != base);
}

TEST_CASE("the commitment is HMAC-SHA256 of the value under the tenant key", "[unit][audit]") {
    Committer c(key());
    CHECK(c.commit("alice@example.com") == crypto::hmac_sha256(std::string(32, 'k'), "alice@example.com"));
    CHECK(c.commit("alice@example.com", false) == c.commit("alice@example.com"));  // cached or not
    CHECK(c.commit("") == crypto::hmac_sha256(std::string(32, 'k'), ""));
}

TEST_CASE("an event pseudonymized by erasure keeps its leaf hash - a forged placeholder does not",
          "[unit][audit][gdpr]") {
    Committer c(key());
    const auto original = sample();
    const Digest base = leaf_hash(original, c);
    auto erased = original;
    nlohmann::json p;
    const Digest actor = c.commit(*original.actor_id), ip = c.commit(*original.ip), meta = c.commit(original.metadata);
    erased.actor_id = pseudonym_text(actor);
    erased.ip.reset();
    erased.metadata = "{}";
    p["actor_id"] = digest_hex(actor);
    p["ip"] = digest_hex(ip);
    p["metadata"] = digest_hex(meta);
    erased.pseudonyms = p.dump();
    CHECK(leaf_hash(erased, c) == base);

    auto forged = erased;
    forged.actor_id = "mallory";  // the map cannot launder a changed value
    CHECK(leaf_hash(forged, c) != base);
    auto wrong = erased;
    wrong.pseudonyms = nlohmann::json{{"actor_id", digest_hex(ip)}, {"ip", digest_hex(ip)}, {"metadata", digest_hex(meta)}}
                           .dump();
    CHECK(leaf_hash(wrong, c) != base);
    auto garbage = erased;
    garbage.pseudonyms = "not json";
    CHECK(leaf_hash(garbage, c) != base);
}

TEST_CASE("chain values depend on order and on the genesis of the tenant", "[unit][audit]") {
    Committer c(key());
    auto a = sample(), b = sample();
    b.id = 43;
    const Digest g = genesis(a.tenant_id);
    CHECK(genesis("22222222-2222-4222-8222-222222222222") != g);
    const Digest ab = chain_next(chain_next(g, leaf_hash(a, c)), leaf_hash(b, c));
    const Digest ba = chain_next(chain_next(g, leaf_hash(b, c)), leaf_hash(a, c));
    CHECK(ab != ba);
    CHECK(digest_from_hex(digest_hex(ab)) == ab);
    CHECK_FALSE(digest_from_hex("zz"));
    CHECK_FALSE(digest_from_hex(std::string(64, 'G')));
}

TEST_CASE("cursors round-trip and reject tampering", "[unit][audit]") {
    Position p{1700000000123456, 987654321};
    CHECK(decode_cursor(encode_cursor(p)) == p);
    auto text = encode_cursor(p);
    auto flipped = text;
    flipped[3] = flipped[3] == 'A' ? 'B' : 'A';
    for (const std::string& bad : {std::string(""), std::string("garbage!"), flipped, text.substr(0, text.size() - 2),
                                  std::string(300, 'A')}) {
        INFO(bad);
        try {
            decode_cursor(bad);
            FAIL("accepted");
        } catch (const Error& e) {
            CHECK(e.code() == Exit::usage);
        }
    }
}

TEST_CASE("audit filters parse what operators type", "[unit][audit]") {
    CHECK(action_glob_to_like("user.*") == "user.%");
    CHECK(action_glob_to_like("user_?") == "user\\__");
    CHECK_THROWS_AS(action_glob_to_like("User.*"), UsageError);
    CHECK_THROWS_AS(action_glob_to_like("user.[ab]"), UsageError);
    CHECK_THROWS_AS(action_glob_to_like(""), UsageError);
    CHECK(parse_resource("doc") == std::pair<std::string, std::optional<std::string>>{"doc", std::nullopt});
    CHECK(parse_resource("doc:a:b").second == "a:b");
    CHECK_THROWS_AS(parse_resource(":x"), UsageError);
    CHECK_THROWS_AS(parse_resource("doc:"), UsageError);
    auto w = parse_where("metadata.a.b=x=y");
    CHECK(w.path == "a.b");
    CHECK(w.value == "x=y");
    CHECK_THROWS_AS(parse_where("meta.a=1"), UsageError);
    CHECK_THROWS_AS(parse_where("metadata.=1"), UsageError);
    CHECK_THROWS_AS(parse_where("metadata.a..b=1"), UsageError);
    const auto now = std::chrono::system_clock::now();
    auto [since, until] = parse_window(std::nullopt, std::nullopt, now);
    CHECK(until - since > std::chrono::hours(24 * 7));
    CHECK_THROWS_AS(parse_window(std::string("1d"), std::string("2d"), now), UsageError);
    CHECK_THROWS_AS(parse_window(std::string("7x"), std::nullopt, now), UsageError);
    CHECK(parse_stats_by("hour") == StatsBy::hour);
    CHECK_THROWS_AS(parse_stats_by("week"), UsageError);
}
