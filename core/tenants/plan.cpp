#include "core/tenants/plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "core/errors.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::tenants {

namespace {

bool same_key(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

json shown(const Value& v) { return json::parse(v.dump()); }

void compare_text(std::vector<FieldChange>& out, const char* field, const std::optional<std::string>& current,
                  const std::optional<std::string>& desired) {
    if (!desired || current == desired) return;
    out.push_back(FieldChange{field, opt(current), json(*desired)});
}

// Per key, in sorted order (Value is a sorted map).
void compare_map(std::vector<FieldChange>& out, const std::string& prefix, const Value& current,
                 const std::optional<Value>& desired) {
    if (!desired) return;
    std::set<std::string> keys;
    for (const auto& [k, _] : current.items()) keys.insert(k);
    for (const auto& [k, _] : desired->items()) keys.insert(k);
    for (const auto& k : keys) {
        const bool in_current = current.contains(k), in_desired = desired->contains(k);
        if (in_current && in_desired && current.at(k) == desired->at(k)) continue;
        out.push_back(FieldChange{prefix + "." + k, in_current ? shown(current.at(k)) : json(nullptr),
                                  in_desired ? shown(desired->at(k)) : json(nullptr)});
    }
}

}  // namespace

std::vector<FieldChange> field_changes(const Tenant& current, const Desired& desired) {
    std::vector<FieldChange> out;
    compare_text(out, "name", current.name, desired.name);
    compare_text(out, "plan", current.plan, desired.plan);
    compare_text(out, "region", current.region, desired.region);
    if (desired.admin_email && current.admin_email != desired.admin_email)
        out.push_back(FieldChange{"admin_email", current.admin_email ? json("(set)") : json(nullptr), json("(changed)")});
    compare_map(out, "settings", current.settings, desired.settings);
    compare_map(out, "flags", current.flags, desired.flags);
    return out;
}

Tenant with_fields(const Tenant& current, const Desired& desired) {
    Tenant t = current;
    if (desired.name) t.name = desired.name;
    if (desired.plan) t.plan = desired.plan;
    if (desired.region) t.region = desired.region;
    if (desired.admin_email) t.admin_email = desired.admin_email;
    if (desired.settings) t.settings = *desired.settings;
    if (desired.flags) t.flags = *desired.flags;
    return t;
}

const char* to_string(Action action) {
    switch (action) {
        case Action::create: return "create";
        case Action::update: return "update";
        case Action::suspend: return "suspend";
        case Action::resume: return "resume";
        case Action::restore: return "restore";
        case Action::remove: return "delete";
        case Action::unchanged: return "unchanged";
    }
    return "?";
}

std::size_t Plan::count(Action action) const {
    std::size_t n = 0;
    for (const auto& item : items) n += item.action == action;
    return n;
}

bool Plan::has_changes() const { return count(Action::unchanged) != items.size(); }

std::string Plan::summary() const {
    if (!has_changes()) return fmt::format("no changes: {} tenant(s) up to date", count(Action::unchanged));
    std::string out;
    for (Action a : {Action::create, Action::update, Action::suspend, Action::resume, Action::restore, Action::remove}) {
        if (auto n = count(a)) out += fmt::format("{}{} to {}", out.empty() ? "" : ", ", n, to_string(a));
    }
    if (auto n = count(Action::unchanged)) out += fmt::format(", {} unchanged", n);
    return out;
}

Plan make_plan(const std::vector<Desired>& desired, const std::vector<Tenant>& existing, bool prune) {
    std::map<std::string, const Tenant*> by_slug;
    for (const auto& t : existing) by_slug[t.slug] = &t;
    std::set<std::string> listed;
    Plan plan;
    for (const auto& d : desired) {
        if (!listed.insert(d.slug).second)
            throw UsageError(fmt::format("{}: tenant '{}' is listed twice", d.origin, d.slug));
        if (d.status && *d.status != "active" && *d.status != "suspended")
            throw UsageError(fmt::format("{}: status must be active or suspended, got '{}'", d.origin, *d.status),
                             "delete tenants by leaving them out and passing --prune");
        PlannedChange item;
        item.slug = d.slug;
        item.desired = d;
        auto it = by_slug.find(d.slug);
        if (it == by_slug.end()) {
            item.action = Action::create;
            plan.items.push_back(std::move(item));
            continue;
        }
        const Tenant& cur = *it->second;
        item.current = cur;
        if (cur.status == "purged")
            throw Refused(fmt::format("{}: tenant '{}' was purged; a purged tenant's slug cannot be reused", d.origin,
                                      d.slug));
        if (cur.status == "moving" || cur.status == "moved")
            throw Refused(fmt::format("{}: tenant '{}' is {} ({}): this database's manifest no longer owns it", d.origin,
                                      d.slug, cur.status, cur.moved_to.value_or("?")),
                          "list it in the manifest of the database it moved to");
        if (d.isolation && *d.isolation != cur.isolation)
            throw Refused(fmt::format("{}: tenant '{}' uses {} isolation; changing it to {} is not supported", d.origin,
                                      d.slug, cur.isolation, *d.isolation));
        // The key ties the tenant to the app's rows; changing it would orphan them. Compared
        // case-insensitively: a uuid is stored in lowercase.
        if (d.key && !same_key(*d.key, cur.tenancy_value))
            throw Refused(fmt::format("{}: tenant '{}' has key {}; changing it to {} is not supported", d.origin, d.slug,
                                      util::in_quotes(cur.tenancy_value), util::in_quotes(*d.key)),
                          "the key is what the app's rows hold for the tenant; remove `key:` or write the stored one");
        item.changes = field_changes(cur, d);
        const std::string want = d.status.value_or(cur.status == "pending_deletion" ? "active" : cur.status);
        if (cur.status == "pending_deletion") {
            item.action = Action::restore;
            item.changes.insert(item.changes.begin(), FieldChange{"status", cur.status, want});
        } else if (want != cur.status) {
            item.action = want == "suspended" ? Action::suspend : Action::resume;
            item.changes.insert(item.changes.begin(), FieldChange{"status", cur.status, want});
        } else {
            item.action = item.changes.empty() ? Action::unchanged : Action::update;
        }
        plan.items.push_back(std::move(item));
    }
    if (prune) {
        for (const auto& t : existing) {  // existing is ordered by slug
            if (listed.count(t.slug) || (t.status != "active" && t.status != "suspended")) continue;
            PlannedChange item;
            item.action = Action::remove;
            item.slug = t.slug;
            item.current = t;
            item.changes.push_back(FieldChange{"status", t.status, "pending_deletion"});
            plan.items.push_back(std::move(item));
        }
    }
    return plan;
}

Records plan_records(const Plan& plan) {
    Records r = Records::table({"action", "slug", "field", "from", "to"});
    for (const auto& item : plan.items) {
        if (item.action == Action::unchanged) continue;
        if (item.changes.empty() || item.action == Action::create) {
            r.add({to_string(item.action), item.slug, nullptr, nullptr, nullptr});
            continue;
        }
        for (const auto& c : item.changes) r.add({to_string(item.action), item.slug, c.field, c.from, c.to});
    }
    return r;
}

}  // namespace tenantctl::tenants
