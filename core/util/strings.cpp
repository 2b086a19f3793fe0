#include "core/util/strings.hpp"

#include "core/errors.hpp"

#include <algorithm>
#include <numeric>

namespace tenantctl::util {

namespace {
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
}  // namespace

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
    return text;
}

std::vector<std::string> split(std::string_view text, char separator) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
        const std::size_t at = text.find(separator, start);
        if (at == std::string_view::npos) {
            parts.emplace_back(text.substr(start));
            return parts;
        }
        parts.emplace_back(text.substr(start, at - start));
        start = at + 1;
    }
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i > 0) out += separator;
        out += parts[i];
    }
    return out;
}

std::string to_lower(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::size_t levenshtein(std::string_view a, std::string_view b) {
    // Two rows of the classic dynamic programme: previous[j] is the distance between the
    // first i-1 bytes of a and the first j bytes of b.
    std::vector<std::size_t> previous(b.size() + 1);
    std::vector<std::size_t> current(b.size() + 1);
    std::iota(previous.begin(), previous.end(), std::size_t{0});
    for (std::size_t i = 1; i <= a.size(); ++i) {
        current[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
        }
        std::swap(previous, current);
    }
    return previous[b.size()];
}

std::optional<std::string> did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
    const std::string lowered = to_lower(word);
    std::optional<std::string> best;
    std::size_t best_distance = 0;
    for (const auto& candidate : candidates) {
        const std::size_t distance = levenshtein(lowered, to_lower(candidate));
        const std::size_t longer = std::max(word.size(), candidate.size());
        const bool plausible = distance <= 2 && distance * 2 <= longer;
        if (plausible && (!best || distance < best_distance)) {
            best = candidate;
            best_distance = distance;
        }
    }
    return best;
}

std::string glob_to_like(std::string_view glob) {
    std::string like;
    like.reserve(glob.size() + 4);
    for (char c : glob) {
        switch (c) {
            case '*': like += '%'; break;
            case '?': like += '_'; break;
            case '%':
            case '_':
            case '\\':
                like += '\\';
                like += c;
                break;
            default: like += c;
        }
    }
    return like;
}

KeyValue parse_key_value(std::string_view text) {
    const std::size_t equals = text.find('=');
    if (equals == std::string_view::npos)
        throw UsageError("invalid " + in_quotes(text) + ": expected KEY=VALUE");
    const std::string_view key = trim(text.substr(0, equals));
    if (key.empty()) throw UsageError("invalid " + in_quotes(text) + ": the key before '=' is empty");
    return KeyValue{std::string(key), std::string(text.substr(equals + 1))};
}

std::size_t valid_utf8_prefix(std::string_view text) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto lead = static_cast<unsigned char>(text[pos]);
        std::size_t length = 0;
        // The allowed range of the second byte narrows for the leads that could otherwise
        // encode overlong forms (E0, F0), surrogates (ED) or code points past U+10FFFF (F4).
        unsigned char second_min = 0x80;
        unsigned char second_max = 0xbf;
        if (lead < 0x80) length = 1;
        else if (lead >= 0xc2 && lead <= 0xdf) length = 2;
        else if (lead >= 0xe0 && lead <= 0xef) {
            length = 3;
            if (lead == 0xe0) second_min = 0xa0;
            if (lead == 0xed) second_max = 0x9f;
        } else if (lead >= 0xf0 && lead <= 0xf4) {
            length = 4;
            if (lead == 0xf0) second_min = 0x90;
            if (lead == 0xf4) second_max = 0x8f;
        } else {
            return pos;
        }
        if (pos + length > text.size()) return pos;
        for (std::size_t i = 1; i < length; ++i) {
            const auto byte = static_cast<unsigned char>(text[pos + i]);
            const unsigned char min = i == 1 ? second_min : 0x80;
            const unsigned char max = i == 1 ? second_max : 0xbf;
            if (byte < min || byte > max) return pos;
        }
        pos += length;
    }
    return pos;
}

std::string in_quotes(std::string_view text, std::size_t max_length) {
    static constexpr char kHex[] = "0123456789abcdef";
    const bool cut = text.size() > max_length;
    if (cut) text = text.substr(0, max_length);
    std::string out = "'";
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        switch (c) {
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\'': out += "\\'"; break;
            case '\\': out += "\\\\"; break;
            default:
                if (byte < 0x20 || byte >= 0x7f) {
                    out += "\\x";
                    out += kHex[byte >> 4];
                    out += kHex[byte & 0xf];
                } else {
                    out += c;
                }
        }
    }
    out += cut ? "'..." : "'";
    return out;
}

std::string first_line(std::string_view text) {
    std::string line(text.substr(0, text.find('\n')));
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
    return line;
}

}  // namespace tenantctl::util
