#include "core/util/yaml_reader.hpp"

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <istream>
#include <optional>
#include <sstream>
#include <vector>

#include "core/errors.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::util {

void fail_yaml(std::string_view filename, const YAML::Mark& mark, const std::string& message, std::string hint) {
    if (mark.is_null()) throw UsageError(fmt::format("{}: {}", filename, message), std::move(hint));
    throw UsageError(fmt::format("{}:{}:{}: {}", filename, mark.line + 1, mark.column + 1, message), std::move(hint));
}

namespace {

static_assert(kMaxYamlBytes == 1024 * 1024, "the messages say 1 MiB");

std::string too_large(std::optional<std::size_t> size) {
    return fmt::format("larger than 1 MiB{}, the limit for YAML input", size ? fmt::format(" ({} bytes)", *size) : "");
}

// Walks one document's events and refuses what the rules in the header forbid. Nothing is
// built here, so an alias is refused before anything could expand it.
class Guard final : public YAML::EventHandler {
public:
    explicit Guard(std::string_view filename) : m_filename(filename) {}

    std::optional<YAML::Mark> start;

    void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
    void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
        fail(mark, "aliases (*name) are not supported; write the value out");
    }
    void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t, const std::string& value) override {
        const bool is_key = node(mark);
        check_tag(mark, tag);
        if (value.find('\0') != std::string::npos) fail(mark, "NUL characters are not allowed");
        // The file itself is checked, but yaml-cpp decodes the escapes \N and \_ to the bare
        // bytes 0x85 and 0xA0 (not U+0085 and U+00A0), which no JSON or database accepts.
        if (valid_utf8_prefix(value) != value.size())
            fail(mark, "a value decodes to invalid UTF-8 (the escapes \\N and \\_ are not supported; write the "
                       "character itself)");
        if (is_key && std::any_of(value.begin(), value.end(), [](char c) {
                const auto u = static_cast<unsigned char>(c);
                return u < 0x20 || u == 0x7f;
            }))
            fail(mark, "control characters are not allowed in keys, got " + in_quotes(value, 40));
    }
    void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {
        open(mark, tag, false);
    }
    void OnSequenceEnd() override { m_levels.pop_back(); }
    void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {
        open(mark, tag, true);
    }
    void OnMapEnd() override { m_levels.pop_back(); }

private:
    struct Level {
        bool is_map;
        std::size_t children;
    };

    [[noreturn]] void fail(const YAML::Mark& mark, const std::string& message) const {
        fail_yaml(m_filename, mark, message);
    }

    // Counts a node in its parent; true when it is a map key (even positions in a map).
    bool node(const YAML::Mark&) {
        if (m_levels.empty()) return false;
        Level& parent = m_levels.back();
        const bool is_key = parent.is_map && parent.children % 2 == 0;
        ++parent.children;
        return is_key;
    }

    // "?" is a plain node, "!" a quoted scalar; anything else was written as a tag.
    void check_tag(const YAML::Mark& mark, const std::string& tag) const {
        if (tag.empty() || tag == "?" || tag == "!") return;
        fail(mark, "tags (" + in_quotes(tag, 40) + ") are not supported; quote a value to make it a string");
    }

    void open(const YAML::Mark& mark, const std::string& tag, bool is_map) {
        if (node(mark)) fail(mark, "keys must be plain strings, not maps or lists");
        check_tag(mark, tag);
        if (static_cast<int>(m_levels.size()) >= kMaxYamlDepth)
            fail(mark, fmt::format("nested deeper than {} levels", kMaxYamlDepth));
        m_levels.push_back(Level{is_map, 0});
    }

    std::string_view m_filename;
    std::vector<Level> m_levels;
};

// yaml-cpp passes broken bytes through (and its emitter later turns them into U+FFFD), so
// a broken file is refused where the damage is.
void check_utf8(std::string_view text, std::string_view filename) {
    const std::size_t valid = valid_utf8_prefix(text);
    if (valid == text.size()) return;
    const std::string_view before = text.substr(0, valid);
    const std::size_t newline = before.rfind('\n');
    const std::size_t line_start = newline == std::string_view::npos ? 0 : newline + 1;
    YAML::Mark mark;
    mark.pos = static_cast<int>(valid);
    mark.line = static_cast<int>(std::count(before.begin(), before.end(), '\n'));
    mark.column = static_cast<int>(valid - line_start);
    fail_yaml(filename, mark, "invalid UTF-8 (the file must be UTF-8 text)");
}

}  // namespace

YAML::Node load_yaml(std::string_view text, std::string_view filename) {
    if (text.size() > kMaxYamlBytes) fail_yaml(filename, YAML::Mark::null_mark(), too_large(text.size()));
    check_utf8(text, filename);
    try {
        // Events first: stopping after two documents bounds the work. yaml-cpp 0.7 gets stuck
        // on a stray ',' at the top level (jbeder/yaml-cpp#1040, fixed upstream by #1319):
        // YAML::LoadAll appends empty documents until memory runs out and YAML::Load returns
        // an empty document (which would silently mean "nothing"); a second document that
        // starts where the first did is that bug.
        std::istringstream stream{std::string(text)};
        YAML::Parser parser(stream);
        Guard first(filename);
        if (!parser.HandleNextDocument(first)) return YAML::Node();
        Guard second(filename);
        if (parser.HandleNextDocument(second)) {
            if (first.start && second.start && first.start->pos == second.start->pos) {
                const auto pos = static_cast<std::size_t>(second.start->pos);
                fail_yaml(filename, *second.start,
                          "invalid YAML: unexpected " + (pos < text.size() ? in_quotes(text.substr(pos, 1)) : "end"));
            }
            fail_yaml(filename, second.start.value_or(YAML::Mark::null_mark()),
                      "expected one YAML document, found a second one");
        }
        return YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
        fail_yaml(filename, e.mark, "invalid YAML: " + e.msg);
    }
}

std::string read_yaml_stream(std::istream& in, std::string_view name) {
    std::string text;
    char buffer[64 * 1024];
    while (in && text.size() <= kMaxYamlBytes) {
        in.read(buffer, sizeof buffer);
        text.append(buffer, static_cast<std::size_t>(in.gcount()));
    }
    if (in.bad()) throw UsageError(fmt::format("cannot read {}: {}", name, std::strerror(errno)));
    if (text.size() > kMaxYamlBytes)
        throw UsageError(fmt::format("{}: {}", name, too_large(std::nullopt)));
    return text;
}

std::string read_yaml_file(const std::filesystem::path& path, std::string_view what) {
    std::error_code error;
    if (std::filesystem::is_directory(path, error))
        throw UsageError(fmt::format("cannot read {} {}: it is a directory", what, in_quotes(path.string())));
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw UsageError(fmt::format("cannot read {} {}: {}", what, in_quotes(path.string()), std::strerror(errno)));
    return read_yaml_stream(in, path.string());
}

}  // namespace tenantctl::util
