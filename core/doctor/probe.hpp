// `tenantctl doctor --probe`: shows, rather than infers, that one tenant cannot reach another's
// rows. In one transaction that is never committed (so nothing survives, also when the
// process is killed) it writes canary rows for two tenants A and B into every tenant table,
// switches to the application role (SET LOCAL ROLE) and, with the tenancy setting on A and
// then unset, tries every path the role has: SELECT on each table, partition, view and
// materialized view, each set-returning function it may execute, INSERT and UPDATE of a row
// carrying B's tenancy value, and DELETE. Any row of another tenant seen or written is a leak,
// reported with the statement that leaked.
#pragma once

#include <string>
#include <vector>

namespace tenantctl {
class Context;
}

namespace tenantctl::doctor {

// Outcomes of one cell of the matrix.
//   leak       a row of another tenant was seen or written
//   isolated   tried: nothing of another tenant was reached (RLS hid or rejected it)
//   denied     the role has no privilege for it (PostgreSQL's ACL check)
//   blocked    tried: the statement failed for another reason (error in `detail`)
//   not probed no canary row could be made (reason in `detail`)
//   n/a        the operation does not apply (INSERT into a function)
struct ProbeCell {
    std::string outcome = "n/a";
    std::string statement;  // for leaks: the exact statements that leaked
    std::string note;
};

struct ProbeRow {
    std::string relation;  // quoted name, or function signature
    std::string kind;      // table, partition, view, matview, function
    ProbeCell read, insert, update, del, unset;
    bool leaks() const;
    std::string detail() const;  // leaked statements, or why something was not probed
};

struct ProbeResult {
    std::vector<ProbeRow> rows;
    int relations_checked = 0;
    int leaks = 0;            // leaking cells
    std::string tenant_a, tenant_b;  // the canary tenancy values (uuid form)
};

// Runs the probe. Refused when the connection cannot SET ROLE to the app role or the role is
// missing. Always rolls back.
ProbeResult run_probe(Context& ctx);

}  // namespace tenantctl::doctor
