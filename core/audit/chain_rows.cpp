#include "core/audit/chain_rows.hpp"

#include <charconv>
#include <chrono>

namespace tenantctl::audit {

namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size()) return false;
    out = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        out = out * 10 + (s[i] - '0');
    }
    return true;
}

bool to_int64(std::string_view s, std::int64_t& out) {
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && ptr == s.data() + s.size();
}

void assign(std::string& dst, std::string_view src) { dst.assign(src.data(), src.size()); }

void assign(std::optional<std::string>& dst, const std::optional<std::string_view>& src) {
    if (!src) {
        dst.reset();
        return;
    }
    if (!dst) dst.emplace();
    dst->assign(src->data(), src->size());
}

}  // namespace

std::optional<std::int64_t> parse_utc_timestamp(std::string_view s) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    if (!digits(s, 0, 4, y) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
        !digits(s, 8, 2, d) || s[10] != ' ' || !digits(s, 11, 2, h) || s[13] != ':' || !digits(s, 14, 2, mi) ||
        s[16] != ':' || !digits(s, 17, 2, sec))
        return std::nullopt;
    std::size_t pos = 19;
    std::int64_t micros = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        int n = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            if (++n > 6) return std::nullopt;
            micros = micros * 10 + (s[pos++] - '0');
        }
        if (n == 0) return std::nullopt;
        for (; n < 6; ++n) micros *= 10;
    }
    if (s.substr(pos) != "+00") return std::nullopt;
    using namespace std::chrono;
    const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!ymd.ok() || h > 23 || mi > 59 || sec > 59) return std::nullopt;
    const std::int64_t days = sys_days(ymd).time_since_epoch().count();
    return ((days * 24 + h) * 60 + mi) * 60'000'000LL + sec * 1'000'000LL + micros;
}

bool event_from_fields(const CopyFields& f, std::string_view tenant_id, ChainEvent& e) {
    if (f.size() != kChainEventFieldCount || !f[0] || !f[1] || !f[2] || !f[4] || !f[10]) return false;
    auto when = parse_utc_timestamp(*f[1]);
    if (!when || !to_int64(*f[0], e.id)) return false;
    e.occurred_us = *when;
    assign(e.tenant_id, tenant_id);
    assign(e.actor_type, *f[2]);
    assign(e.actor_id, f[3]);
    assign(e.action, *f[4]);
    assign(e.resource_type, f[5]);
    assign(e.resource_id, f[6]);
    assign(e.request_id, f[7]);
    assign(e.ip, f[8]);
    assign(e.user_agent, f[9]);
    assign(e.metadata, *f[10]);
    assign(e.pseudonyms, f[11]);
    return true;
}

bool ledger_from_fields(const CopyFields& f, LedgerRow& row) {
    if (f.size() != 4 || !f[0] || !f[1] || !f[2] || !f[3]) return false;
    auto when = parse_utc_timestamp(*f[1]);
    auto hash = digest_from_hex(*f[3]);
    if (!when || !hash || !to_int64(*f[0], row.seq) || !to_int64(*f[2], row.event_id)) return false;
    row.occurred_us = *when;
    row.hash = *hash;
    return true;
}

}  // namespace tenantctl::audit
