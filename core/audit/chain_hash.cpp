#include "core/audit/chain_hash.hpp"

#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include <array>
#include <charconv>
#include <cstring>
#include <stdexcept>

namespace tenantctl::audit {

namespace {

// One fetched SHA-256 implementation for the process: EVP_sha256() through the legacy path
// re-resolves the provider on every init, which dominates the cost for 100-byte inputs.
const EVP_MD* sha256_md() {
    static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (!md) throw std::runtime_error("SHA-256 is not available");
    return md;
}

EVP_MD_CTX* as_ctx(void* p) { return static_cast<EVP_MD_CTX*>(p); }

// A reusable digest context per thread for leaf and chain hashing.
class Hasher {
public:
    Hasher() : m_ctx(EVP_MD_CTX_new()) {
        if (!m_ctx) throw std::runtime_error("out of memory");
    }
    ~Hasher() { EVP_MD_CTX_free(m_ctx); }
    void begin() { EVP_DigestInit_ex2(m_ctx, sha256_md(), nullptr); }
    void update(std::string_view s) { EVP_DigestUpdate(m_ctx, s.data(), s.size()); }
    Digest finish() {
        Digest d{};
        unsigned int len = 0;
        EVP_DigestFinal_ex(m_ctx, d.data(), &len);
        return d;
    }

private:
    EVP_MD_CTX* m_ctx;
};

Hasher& hasher() {
    thread_local Hasher h;
    return h;
}

// Length-prefixed fields, so no two different events encode to the same bytes.
void put(std::string& buf, std::string_view value) {
    buf += std::to_string(value.size());
    buf += ':';
    buf += value;
}
// The same bytes as put(buf, std::to_string(v)), without a heap string per call.
void put_int(std::string& buf, std::int64_t v) {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, v);
    put(buf, std::string_view(digits, static_cast<std::size_t>(end - digits)));
}
void put_opt(std::string& buf, const std::optional<std::string>& value) {
    if (!value) {
        buf += '~';
        return;
    }
    put(buf, std::string_view(*value));
}
void put_commitment(std::string& buf, const Digest& d) {
    buf += '#';
    buf += digest_view(d);
}


}  // namespace

Committer::Committer(const crypto::SecureBytes& key)
    : m_inner(EVP_MD_CTX_new()), m_outer(EVP_MD_CTX_new()), m_work(EVP_MD_CTX_new()), m_cache(kCacheSlots) {
    if (!m_inner || !m_outer || !m_work) throw std::runtime_error("out of memory");
    // RFC 2104 with SHA-256's 64-byte block.
    unsigned char block[64] = {};
    if (key.size() > sizeof block) {
        auto d = crypto::sha256(key.view());
        std::memcpy(block, d.data(), d.size());
    } else {
        std::memcpy(block, key.data(), key.size());
    }
    unsigned char pad[64];
    for (int i = 0; i < 64; ++i) pad[i] = block[i] ^ 0x36;
    EVP_DigestInit_ex2(as_ctx(m_inner), sha256_md(), nullptr);
    EVP_DigestUpdate(as_ctx(m_inner), pad, sizeof pad);
    for (int i = 0; i < 64; ++i) pad[i] = block[i] ^ 0x5c;
    EVP_DigestInit_ex2(as_ctx(m_outer), sha256_md(), nullptr);
    EVP_DigestUpdate(as_ctx(m_outer), pad, sizeof pad);
    std::memset(block, 0, sizeof block);
    std::memset(pad, 0, sizeof pad);
}

Committer::~Committer() {
    EVP_MD_CTX_free(as_ctx(m_inner));
    EVP_MD_CTX_free(as_ctx(m_outer));
    EVP_MD_CTX_free(as_ctx(m_work));
}

Digest Committer::compute(std::string_view value) {
    Digest inner{}, out{};
    unsigned int len = 0;
    EVP_MD_CTX_copy_ex(as_ctx(m_work), as_ctx(m_inner));
    EVP_DigestUpdate(as_ctx(m_work), value.data(), value.size());
    EVP_DigestFinal_ex(as_ctx(m_work), inner.data(), &len);
    EVP_MD_CTX_copy_ex(as_ctx(m_work), as_ctx(m_outer));
    EVP_DigestUpdate(as_ctx(m_work), inner.data(), inner.size());
    EVP_DigestFinal_ex(as_ctx(m_work), out.data(), &len);
    return out;
}

Digest Committer::commit(std::string_view value, bool repeats) {
    if (!repeats || value.size() > 256) return compute(value);
    // Direct-mapped: one slot per hash bucket, overwritten on a miss. No allocation once the
    // slots' strings have grown, and the hot values (actors, agents) stay resident.
    Slot& slot = m_cache[std::hash<std::string_view>{}(value) & (kCacheSlots - 1)];
    if (slot.used && slot.value == value) return slot.digest;
    slot.digest = compute(value);
    slot.value.assign(value.data(), value.size());
    slot.used = true;
    return slot.digest;
}

Digest genesis(std::string_view tenant_id) {
    return crypto::sha256("tenantctl.audit.genesis|" + std::string(tenant_id));
}

Digest leaf_hash(const ChainEvent& e, Committer& committer) {
    nlohmann::json pseudonyms;
    if (e.pseudonyms) pseudonyms = nlohmann::json::parse(*e.pseudonyms, nullptr, false);
    const std::optional<std::string>* values[] = {&e.actor_id, &e.resource_id, &e.ip, &e.user_agent, nullptr};

    thread_local std::string buf;  // reused: one leaf per event, a million per verify
    buf.clear();
    buf += "tenantctl.audit.leaf.v1|";
    put(buf, std::string_view(e.tenant_id));
    put_int(buf, e.id);
    put_int(buf, e.occurred_us);
    put(buf, std::string_view(e.actor_type));
    put(buf, std::string_view(e.action));
    put_opt(buf, e.resource_type);
    put_opt(buf, e.request_id);
    for (std::size_t i = 0; i < std::size(kIdentifierFields); ++i) {
        const char* field = kIdentifierFields[i];
        const bool is_metadata = values[i] == nullptr;
        std::optional<std::string> value = is_metadata ? std::optional<std::string>(e.metadata) : *values[i];
        // An erased field: commit to the recorded pseudonym, but only if the stored value is
        // exactly the placeholder erasure writes; anything else is a modification.
        if (pseudonyms.is_object() && pseudonyms.contains(field) && pseudonyms[field].is_string()) {
            auto d = digest_from_hex(pseudonyms[field].get<std::string>());
            bool placeholder_ok = false;
            if (d) {
                if (is_metadata)
                    placeholder_ok = value == "{}";
                else if (std::string_view(field) == "ip")
                    placeholder_ok = !value.has_value();
                else
                    placeholder_ok = value == pseudonym_text(*d);
            }
            if (placeholder_ok) {
                put_commitment(buf, *d);
                continue;
            }
        }
        const bool repeats = !is_metadata && std::string_view(field) != "resource_id";
        if (!value)
            buf += '~';
        else
            put_commitment(buf, committer.commit(*value, repeats));
    }
    auto& h = hasher();
    h.begin();
    h.update(buf);
    return h.finish();
}

Digest chain_next(const Digest& prev, const Digest& leaf) {
    auto& h = hasher();
    h.begin();
    h.update(digest_view(prev));
    h.update(digest_view(leaf));
    return h.finish();
}

std::string pseudonym_text(const Digest& commitment) { return std::string(kPseudonymPrefix) + digest_hex(commitment); }

std::string digest_hex(const Digest& d) { return crypto::hex_encode(digest_view(d)); }

std::string_view digest_view(const Digest& d) { return {reinterpret_cast<const char*>(d.data()), d.size()}; }

std::optional<Digest> digest_from_raw(std::string_view raw) {
    if (raw.size() != 32) return std::nullopt;
    Digest d{};
    std::memcpy(d.data(), raw.data(), 32);
    return d;
}

std::optional<Digest> digest_from_hex(std::string_view hex) {
    // A table instead of branches: `audit verify` converts one ledger hash per event.
    static constexpr auto kNibble = [] {
        std::array<std::int8_t, 256> t{};
        t.fill(-1);
        for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = static_cast<std::int8_t>(c - '0');
        for (int c = 'a'; c <= 'f'; ++c) t[static_cast<std::size_t>(c)] = static_cast<std::int8_t>(c - 'a' + 10);
        return t;
    }();
    if (hex.size() != 64) return std::nullopt;
    Digest d{};
    int bad = 0;
    for (std::size_t i = 0; i < 32; ++i) {
        const int hi = kNibble[static_cast<unsigned char>(hex[2 * i])];
        const int lo = kNibble[static_cast<unsigned char>(hex[2 * i + 1])];
        bad |= hi | lo;  // any -1 sets the sign bit
        d[i] = static_cast<std::uint8_t>((hi << 4) | (lo & 15));
    }
    if (bad < 0) return std::nullopt;
    return d;
}

}  // namespace tenantctl::audit
