#include "core/tenants/manifest.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <iostream>
#include <map>

#include "core/errors.hpp"
#include "core/tenants/create.hpp"
#include "core/util/json_input.hpp"
#include "core/util/slug.hpp"
#include "core/util/strings.hpp"
#include "core/util/yaml_reader.hpp"

namespace tenantctl::tenants {

namespace {

const std::vector<std::string> kTopKeys{"tenants"};
const std::vector<std::string> kTenantKeys{"slug",      "name",   "plan",     "region", "admin_email",
                                           "isolation", "key",    "status", "settings", "flags"};

class Reader {
public:
    explicit Reader(std::string_view filename) : m_file(filename) {}

    [[noreturn]] void fail(const YAML::Mark& mark, const std::string& message, std::string hint = {}) const {
        util::fail_yaml(m_file, mark, message, std::move(hint));
    }
    std::string origin(const YAML::Mark& mark) const {
        return fmt::format("{}:{}:{}", m_file, mark.line + 1, mark.column + 1);
    }

    // The keys of a map, each checked against `known`, duplicates refused.
    std::vector<std::pair<YAML::Node, YAML::Node>> entries(const YAML::Node& node, const std::vector<std::string>& known,
                                                           const std::string& where) const {
        if (!node.IsMap()) fail(node.Mark(), fmt::format("expected a map {}", where));
        std::vector<std::pair<YAML::Node, YAML::Node>> out;
        std::map<std::string, int> seen;
        for (auto it = node.begin(); it != node.end(); ++it) {
            const YAML::Node key = it->first;
            const YAML::Node value = it->second;
            if (!key.IsScalar()) fail(key.Mark(), fmt::format("keys {} must be plain strings", where));
            const std::string& name = key.Scalar();
            if (name == "<<") fail(key.Mark(), "merge keys (<<) are not supported; write the values out");
            if (auto s = seen.find(name); s != seen.end())
                fail(key.Mark(), fmt::format("duplicate key {} {} (first at line {})", util::in_quotes(name), where,
                                             s->second));
            seen[name] = key.Mark().line + 1;
            if (!known.empty() && std::find(known.begin(), known.end(), name) == known.end()) {
                auto guess = util::did_you_mean(name, known);
                fail(key.Mark(), fmt::format("unknown key {} {}", util::in_quotes(name), where),
                     guess ? "did you mean '" + *guess + "'?" : "valid keys: " + util::join(known, ", "));
            }
            out.emplace_back(key, value);
        }
        return out;
    }

    std::string text(const YAML::Node& key, const YAML::Node& value) const {
        if (!value.IsScalar())
            fail(value.IsNull() ? key.Mark() : value.Mark(), fmt::format("{}: expected a string", key.Scalar()));
        try {
            check_text(key.Scalar(), value.Scalar());
        } catch (const UsageError& e) {
            fail(value.Mark(), e.what());
        }
        return value.Scalar();
    }

    // YAML scalars to JSON by the YAML core schema: a quoted scalar is always a string;
    // plain ones may be null, true/false, integers or floats. A number a double or a 64-bit
    // integer cannot hold exactly stays a string, digit for digit (util::exact_number), so
    // 123456789012345678901234567890 is stored as written and a change to it is seen.
    Value to_json(const YAML::Node& node) const {
        if (node.IsNull()) return nullptr;
        if (node.IsSequence()) {
            Value a = Value::array();
            for (const auto& item : node) a.push_back(to_json(item));
            return a;
        }
        if (node.IsMap()) {
            Value o = Value::object();
            for (const auto& [k, v] : entries(node, {}, "in settings"))
                o[k.Scalar()] = to_json(v);
            return o;
        }
        const std::string& s = node.Scalar();
        try {
            check_text("value", s);
        } catch (const UsageError& e) {
            fail(node.Mark(), e.what());
        }
        if (node.Tag() == "!") return s;  // quoted
        if (s == "true" || s == "True" || s == "TRUE") return true;
        if (s == "false" || s == "False" || s == "FALSE") return false;
        if (s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
        if (auto number = util::exact_number(s)) return *number;
        return s;
    }

    Value flags(const YAML::Node& key, const YAML::Node& value) const {
        if (value.IsNull()) return Value::object();
        Value out = Value::object();
        for (const auto& [k, v] : entries(value, {}, "in flags")) {
            const std::string& s = v.IsScalar() ? v.Scalar() : std::string();
            if (!v.IsScalar() || (s != "on" && s != "off" && s != "true" && s != "false"))
                fail(v.IsNull() ? k.Mark() : v.Mark(), fmt::format("flags.{}: expected on or off", k.Scalar()));
            try {
                check_text("flag name", k.Scalar());
            } catch (const UsageError& e) {
                fail(k.Mark(), e.what());
            }
            out[k.Scalar()] = s == "on" || s == "true";
        }
        (void)key;
        return out;
    }

    Desired tenant(const YAML::Node& node) const {
        Desired d;
        d.origin = origin(node.Mark());
        bool has_slug = false;
        for (const auto& [k, v] : entries(node, kTenantKeys, "in a tenant")) {
            const std::string& key = k.Scalar();
            if (key == "slug") {
                d.slug = text(k, v);
                has_slug = true;
                try {
                    util::validate_slug(d.slug);
                } catch (const UsageError& e) {
                    fail(v.Mark(), e.what(), e.hint());
                }
            } else if (key == "name") d.name = text(k, v);
            else if (key == "plan") d.plan = text(k, v);
            else if (key == "region") d.region = text(k, v);
            else if (key == "admin_email") {
                d.admin_email = text(k, v);
                try {
                    check_email(*d.admin_email);
                } catch (const UsageError& e) {
                    fail(v.Mark(), e.what());
                }
            } else if (key == "isolation") {
                d.isolation = text(k, v);
                if (*d.isolation != "shared" && *d.isolation != "schema")
                    fail(v.Mark(), fmt::format("isolation: expected shared or schema, got {}", util::in_quotes(*d.isolation)));
            } else if (key == "key") {
                // Kept as written (a bigint key keeps every digit); checked against the
                // column's type when the tenant is created.
                if (!v.IsScalar() || v.Scalar().empty())
                    fail(v.Mark(), "key: expected the value the app's tenancy columns hold for this tenant");
                d.key = v.Scalar();
            } else if (key == "status") {
                d.status = text(k, v);
                if (*d.status != "active" && *d.status != "suspended")
                    fail(v.Mark(), fmt::format("status: expected active or suspended, got {}", util::in_quotes(*d.status)),
                         "delete tenants by leaving them out of the manifest and passing --prune");
            } else if (key == "settings") {
                d.settings = v.IsNull() ? Value::object() : to_json(v);
                if (!d.settings->is_object()) fail(v.Mark(), "settings: expected a map");
            } else if (key == "flags") {
                d.flags = flags(k, v);
            }
        }
        if (!has_slug) fail(node.Mark(), "tenant without a slug");
        return d;
    }

    std::vector<Desired> read(std::string_view yaml) const {
        // Size, aliases, depth, one document, UTF-8: the shared hardened reader.
        const YAML::Node root = util::load_yaml(yaml, m_file);
        if (root.IsNull()) fail(YAML::Mark::null_mark(), "empty manifest: expected `tenants:`");
        YAML::Node list;
        for (const auto& [k, v] : entries(root, kTopKeys, "at the top level")) list = v;
        if (!list.IsDefined()) fail(root.Mark(), "missing `tenants:` list");
        std::vector<Desired> out;
        if (list.IsNull()) return out;  // `tenants:` with nothing: an empty list (with --prune: delete all)
        if (!list.IsSequence()) fail(list.Mark(), "tenants: expected a list");
        std::map<std::string, int> first_line;
        for (const auto& item : list) {
            Desired d = tenant(item);
            if (auto f = first_line.find(d.slug); f != first_line.end())
                fail(item.Mark(), fmt::format("tenant '{}' is listed twice (first at line {})", d.slug, f->second));
            first_line[d.slug] = item.Mark().line + 1;
            out.push_back(std::move(d));
        }
        return out;
    }

private:
    std::string m_file;
};

}  // namespace

std::vector<Desired> parse_manifest(std::string_view yaml_text, std::string_view filename) {
    return Reader(filename).read(yaml_text);
}

std::vector<Desired> load_manifest(const std::string& path) {
    if (path == "-") return parse_manifest(util::read_yaml_stream(std::cin, "<stdin>"), "<stdin>");
    return parse_manifest(util::read_yaml_file(path, "manifest"), path);
}

}  // namespace tenantctl::tenants
