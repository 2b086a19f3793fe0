// A small multi-tenant app schema for tenant lifecycle tests, built with plain SQL the way an
// app's migrations would: tenant_id columns, RLS enabled AND forced with the usual policy,
// foreign keys including a users <-> teams cycle (teams.manager_id is nullable), a child of
// users (documents), and a table without a primary key (events).
#pragma once

#include <string>

#include "tests/support/test_support.hpp"

namespace tenantctl::test {

inline void create_app_schema(const TestDatabase& db) {
    db.exec(R"(
        CREATE TABLE public.teams (tenant_id uuid NOT NULL, id bigint PRIMARY KEY, name text, manager_id bigint);
        CREATE TABLE public.users (tenant_id uuid NOT NULL, id bigint PRIMARY KEY, email text,
                                   team_id bigint REFERENCES public.teams (id));
        ALTER TABLE public.teams ADD CONSTRAINT teams_manager_fk FOREIGN KEY (manager_id) REFERENCES public.users (id);
        CREATE TABLE public.documents (tenant_id uuid NOT NULL, id bigint PRIMARY KEY,
                                       owner_id bigint NOT NULL REFERENCES public.users (id), body text);
        CREATE INDEX ON public.documents (tenant_id);
        CREATE TABLE public.events (tenant_id uuid NOT NULL, payload text);
        CREATE INDEX ON public.events (tenant_id);
    )");
    for (const char* t : {"teams", "users", "documents", "events"}) {
        db.exec(std::string("ALTER TABLE public.") + t + " ENABLE ROW LEVEL SECURITY; ALTER TABLE public." + t +
                " FORCE ROW LEVEL SECURITY; CREATE POLICY tenant_isolation ON public." + t +
                " USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)");
    }
}

// Rows for one tenant: `users` users in `teams` teams (each team managed by one of its
// users), `docs_per_user` documents each, and as many events as documents. Ids are offset
// by `base` so tenants do not collide.
inline void seed_app_rows(const TestDatabase& db, const std::string& tenant_id, long base, int teams, int users,
                          int docs_per_user) {
    const std::string t = "'" + tenant_id + "'::uuid";
    const std::string b = std::to_string(base);
    db.exec("INSERT INTO public.teams SELECT " + t + ", " + b + " + g, 'team ' || g, NULL FROM generate_series(1, " +
            std::to_string(teams) + ") g");
    db.exec("INSERT INTO public.users SELECT " + t + ", " + b + " + 100000 + g, 'u' || g || '@example.com', " + b +
            " + 1 + g % " + std::to_string(teams) + " FROM generate_series(1, " + std::to_string(users) + ") g");
    db.exec("UPDATE public.teams SET manager_id = (SELECT min(u.id) FROM public.users u WHERE u.team_id = teams.id) "
            "WHERE tenant_id = " + t);
    db.exec("INSERT INTO public.documents SELECT " + t + ", " + b + " + 1000000 + g, " + b +
            " + 100000 + 1 + g % " + std::to_string(users) + ", 'doc' FROM generate_series(1, " +
            std::to_string(users * docs_per_user) + ") g");
    db.exec("INSERT INTO public.events SELECT " + t + ", 'e' || g FROM generate_series(1, " +
            std::to_string(users * docs_per_user) + ") g");
}

// Rows of one tenant across the app tables (as the superuser, so RLS does not hide any).
inline long app_rows_of(const TestDatabase& db, const std::string& tenant_id) {
    const std::string t = "'" + tenant_id + "'::uuid";
    return std::stol(db.query_value(
        "SELECT (SELECT count(*) FROM public.teams WHERE tenant_id = " + t + ") + (SELECT count(*) FROM public.users "
        "WHERE tenant_id = " + t + ") + (SELECT count(*) FROM public.documents WHERE tenant_id = " + t +
        ") + (SELECT count(*) FROM public.events WHERE tenant_id = " + t + ")"));
}

}  // namespace tenantctl::test
