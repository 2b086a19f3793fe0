#include "tests/support/schema_corpus.hpp"

#include <algorithm>

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include <nlohmann/json.hpp>

#include "core/config/config.hpp"
#include "core/crypto/fernet.hpp"
#include "core/keys/data_keys.hpp"

namespace tenantctl::test::corpus {

namespace {

constexpr const char* kUuidA = "a0000000-0000-4000-8000-00000000000a";
constexpr const char* kUuidB = "b0000000-0000-4000-8000-00000000000b";

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
    for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
    return text;
}

// Roles are cluster-wide and tests run in parallel: a concurrent CREATE ROLE fails with
// unique_violation rather than duplicate_object, so both are ignored.
std::string create_role(const std::string& role, const std::string& options) {
    return "DO $$ BEGIN CREATE ROLE " + role + " " + options +
           "; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;\n";
}

std::string rls(const std::string& relation, const std::string& predicate) {
    return "ALTER TABLE " + relation + " ENABLE ROW LEVEL SECURITY;\nALTER TABLE " + relation +
           " FORCE ROW LEVEL SECURITY;\nCREATE POLICY tenant_isolation ON " + relation + " USING (" + predicate +
           ");\n";
}

std::string grants(const std::string& schema) {
    return "GRANT USAGE ON SCHEMA " + schema + " TO app;\nGRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " +
           schema + " TO app;\nGRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA " + schema + " TO app;\n";
}

std::string quoted(const std::string& column) { return "\"" + replace_all(column, "\"", "\"\"") + "\""; }

// The usual policy on the pattern's tenancy column, for each of `relations`.
std::string tenant_rls(const Pattern& p, const std::vector<std::string>& relations,
                       const std::string& setting = "app.tenant_id") {
    std::string sql;
    for (const auto& r : relations)
        sql += rls(r, quoted(p.tenancy_column) + " = current_setting('" + setting + "')::" + p.tenancy_type);
    return sql;
}

// Substitutes @A@ / @B@ (the tenancy values) in the setup and the attribution predicates.
Pattern finish(Pattern p) {
    p.setup_sql = replace_all(replace_all(p.setup_sql, "@A@", p.tenant_a), "@B@", p.tenant_b);
    if (p.subject_a.empty()) p.subject_a = "email:alice@example.com";
    return p;
}

// --- the patterns -----------------------------------------------------------------------

Pattern composite_fk() {
    Pattern p;
    p.name = "composite_fk";
    p.description = "Citus-style composite keys (tenant_id, id), composite FKs, ON DELETE SET NULL (col), companies as the tenants table (bigint)";
    p.tenancy_column = "tenant_id";
    p.tenancy_type = "bigint";
    p.tenant_a = "1";
    p.tenant_b = "2";
    p.relations = {"public.companies", "public.users", "public.projects", "public.tasks"};
    p.attribution["public.companies"] = "t.id = $1::bigint";
    p.setup_sql = create_role("app", "NOLOGIN") + R"(
CREATE TABLE public.companies (id bigint PRIMARY KEY, slug text NOT NULL UNIQUE, name text NOT NULL);
CREATE TABLE public.users (
    tenant_id bigint NOT NULL REFERENCES public.companies (id),
    id bigint NOT NULL,
    email text NOT NULL,
    full_name text,
    phone text,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, email));
CREATE TABLE public.projects (
    tenant_id bigint NOT NULL,
    id bigint NOT NULL,
    owner_id bigint NOT NULL,
    name text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, owner_id) REFERENCES public.users (tenant_id, id));
CREATE TABLE public.tasks (
    tenant_id bigint NOT NULL,
    project_id bigint NOT NULL,
    id bigint NOT NULL,
    title text NOT NULL,
    notes text,
    assignee_id bigint,
    PRIMARY KEY (tenant_id, project_id, id),
    FOREIGN KEY (tenant_id, project_id) REFERENCES public.projects (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, assignee_id) REFERENCES public.users (tenant_id, id) ON DELETE SET NULL (assignee_id));
INSERT INTO public.companies VALUES (@A@, 'acme', 'Acme'), (@B@, 'globex', 'Globex');
INSERT INTO public.users VALUES
    (@A@, 1, 'alice@example.com', 'Alice Liddell', '+33 6 11 11 11 11'),
    (@A@, 2, 'bob@example.com', 'Bob Stone', '+33 6 22 22 22 22'),
    (@A@, 3, 'carol@example.com', 'Carol Jones', NULL),
    (@B@, 1, 'alice@example.com', 'Alice Other', '+1 555 0100'),
    (@B@, 2, 'dave@example.com', 'Dave Miller', '+1 555 0101'),
    (@B@, 3, 'erin@example.com', 'Erin Brown', NULL);
INSERT INTO public.projects VALUES (@A@, 1, 1, 'Apollo'), (@A@, 2, 2, 'Gemini'), (@B@, 1, 1, 'Mercury'), (@B@, 2, 3, 'Vostok');
INSERT INTO public.tasks VALUES
    (@A@, 1, 1, 'Design', 'acme design notes', 1),
    (@A@, 1, 2, 'Build', 'acme build notes', 2),
    (@A@, 2, 1, 'Test', 'acme test notes', NULL),
    (@B@, 1, 1, 'Design', 'globex design notes', 1),
    (@B@, 1, 2, 'Ship', 'globex ship notes', 3),
    (@B@, 2, 1, 'Review', 'globex review notes', NULL);
)" + rls("public.companies", "id = current_setting('app.tenant_id')::bigint") +
                  tenant_rls(p, {"public.users", "public.projects", "public.tasks"}) + grants("public");
    p.config_yaml = R"(tenancy:
  column: tenant_id
  setting: app.tenant_id
  app_role: app
  tenants_table: {table: companies, key: id, slug: slug, name: name}
data:
  subjects: {table: users, key: id, lookup: [email]}
  tables:
    companies: {non_pii: [slug, name]}
    users: {subject: id, pii: [email, full_name], encrypted: [phone], erase: anonymize, anonymize: {email: hash, full_name: redact}}
    projects: {subject: owner_id, non_pii: [name], erase: delete}
    tasks: {subject: assignee_id, pii: [title], encrypted: [notes], erase: delete}
)";
    return finish(std::move(p));
}

Pattern single_fk() {
    Pattern p;
    p.name = "single_fk";
    p.description = "uuid tenancy column, single-column bigint keys and FKs (NOT NULL and nullable), a retained table";
    p.tenancy_column = "tenant_id";
    p.tenancy_type = "uuid";
    p.tenant_a = kUuidA;
    p.tenant_b = kUuidB;
    p.relations = {"public.users", "public.documents", "public.invoices"};
    p.setup_sql = create_role("app", "NOLOGIN") + R"(
CREATE TABLE public.users (
    id bigint PRIMARY KEY,
    tenant_id uuid NOT NULL,
    email text NOT NULL,
    full_name text,
    phone text,
    UNIQUE (tenant_id, email));
CREATE TABLE public.documents (
    id bigint PRIMARY KEY,
    tenant_id uuid NOT NULL,
    owner_id bigint NOT NULL REFERENCES public.users (id),
    title text,
    body text);
CREATE INDEX ON public.documents (tenant_id);
CREATE TABLE public.invoices (
    id bigint PRIMARY KEY,
    tenant_id uuid NOT NULL,
    user_id bigint REFERENCES public.users (id),
    amount numeric(10,2) NOT NULL);
INSERT INTO public.users VALUES
    (1, '@A@', 'alice@example.com', 'Alice Liddell', '+33 6 11 11 11 11'),
    (2, '@A@', 'bob@example.com', 'Bob Stone', '+33 6 22 22 22 22'),
    (3, '@A@', 'carol@example.com', 'Carol Jones', NULL),
    (11, '@B@', 'alice@example.com', 'Alice Other', '+1 555 0100'),
    (12, '@B@', 'dave@example.com', 'Dave Miller', '+1 555 0101'),
    (13, '@B@', 'erin@example.com', 'Erin Brown', NULL);
INSERT INTO public.documents VALUES
    (1, '@A@', 1, 'Alice plan', 'acme secret 1'),
    (2, '@A@', 1, 'Alice notes', 'acme secret 2'),
    (3, '@A@', 2, 'Bob notes', 'acme secret 3'),
    (11, '@B@', 11, 'Other plan', 'globex secret 1'),
    (12, '@B@', 12, 'Dave notes', 'globex secret 2');
INSERT INTO public.invoices VALUES
    (1, '@A@', 1, 10.00), (2, '@A@', NULL, 20.00), (3, '@A@', 2, 30.00),
    (11, '@B@', 11, 11.00), (12, '@B@', NULL, 12.00);
)" + tenant_rls(p, {"public.users", "public.documents", "public.invoices"}) +
                  grants("public");
    p.config_yaml = R"(tenancy:
  column: tenant_id
  setting: app.tenant_id
  app_role: app
data:
  subjects: {table: users, key: id, lookup: [email]}
  tables:
    users: {subject: id, pii: [email, full_name], encrypted: [phone], erase: anonymize, anonymize: {email: hash, full_name: redact}}
    documents: {subject: owner_id, pii: [title], encrypted: [body], erase: delete}
    invoices: {subject: user_id, non_pii: [amount], erase: retain, basis: "tax law, 10y"}
)";
    return finish(std::move(p));
}

Pattern self_reference() {
    Pattern p;
    p.name = "self_reference";
    p.description = "integer tenancy; self-references single and composite, nullable and NOT NULL (roots point at themselves)";
    p.tenancy_column = "tenant_id";
    p.tenancy_type = "integer";
    p.tenant_a = "10";
    p.tenant_b = "20";
    p.relations = {"public.employees", "public.folders", "public.nodes"};
    p.setup_sql = create_role("app", "NOLOGIN") + R"(
CREATE TABLE public.employees (
    id integer PRIMARY KEY,
    tenant_id integer NOT NULL,
    email text NOT NULL,
    full_name text,
    salary_note text,
    manager_id integer REFERENCES public.employees (id),
    mentor_id integer,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, mentor_id) REFERENCES public.employees (tenant_id, id));
CREATE TABLE public.folders (
    tenant_id integer NOT NULL,
    id integer NOT NULL,
    parent_id integer NOT NULL,
    name text NOT NULL,
    owner_id integer REFERENCES public.employees (id),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, parent_id) REFERENCES public.folders (tenant_id, id));
CREATE TABLE public.nodes (
    id integer PRIMARY KEY,
    tenant_id integer NOT NULL,
    parent_id integer NOT NULL REFERENCES public.nodes (id),
    label text NOT NULL);
INSERT INTO public.employees VALUES
    (1, @A@, 'alice@example.com', 'Alice Liddell', 'acme salary 1', NULL, NULL),
    (2, @A@, 'bob@example.com', 'Bob Stone', 'acme salary 2', 1, 1),
    (3, @A@, 'carol@example.com', 'Carol Jones', 'acme salary 3', 2, 2),
    (11, @B@, 'alice@example.com', 'Alice Other', 'globex salary 1', NULL, NULL),
    (12, @B@, 'dave@example.com', 'Dave Miller', 'globex salary 2', 11, 11),
    (13, @B@, 'erin@example.com', 'Erin Brown', 'globex salary 3', 12, 11);
INSERT INTO public.folders VALUES
    (@A@, 1, 1, 'root', 1), (@A@, 2, 1, 'docs', 2), (@A@, 3, 2, 'drafts', 1),
    (@B@, 1, 1, 'root', 11), (@B@, 2, 1, 'src', 11), (@B@, 3, 2, 'old', NULL);
INSERT INTO public.nodes VALUES
    (1, @A@, 1, 'a-root'), (2, @A@, 1, 'a-child'), (3, @A@, 2, 'a-grandchild'),
    (11, @B@, 11, 'b-root'), (12, @B@, 11, 'b-child'), (13, @B@, 12, 'b-grandchild');
)" + tenant_rls(p, {"public.employees", "public.folders", "public.nodes"}) +
                  grants("public");
    p.config_yaml = R"(tenancy:
  column: tenant_id
  setting: app.tenant_id
  app_role: app
data:
  subjects: {table: employees, key: id, lookup: [email]}
  tables:
    employees: {subject: id, pii: [email, full_name], encrypted: [salary_note], erase: anonymize, anonymize: {email: hash, full_name: redact}}
    folders: {subject: owner_id, pii: [name], erase: anonymize, anonymize: {name: redact}}
    nodes: {non_pii: [label]}
)";
    return finish(std::move(p));
}

Pattern cycle_nullable() {
    Pattern p;
    p.name = "cycle_nullable";
    p.description = "uuid tenancy; users <-> teams foreign-key cycle, both sides nullable and not deferrable";
    p.tenancy_column = "tenant_id";
    p.tenancy_type = "uuid";
    p.tenant_a = kUuidA;
    p.tenant_b = kUuidB;
    p.relations = {"public.teams", "public.users"};
    p.setup_sql = create_role("app", "NOLOGIN") + R"(
CREATE TABLE public.teams (id bigint PRIMARY KEY, tenant_id uuid NOT NULL, name text NOT NULL, manager_id bigint);
CREATE TABLE public.users (
    id bigint PRIMARY KEY,
    tenant_id uuid NOT NULL,
    email text NOT NULL,
    full_name text,
    phone text,
    team_id bigint REFERENCES public.teams (id));
ALTER TABLE public.teams ADD CONSTRAINT teams_manager_fk FOREIGN KEY (manager_id) REFERENCES public.users (id);
INSERT INTO public.teams VALUES (1, '@A@', 'Wonderland', NULL), (2, '@A@', 'Looking Glass', NULL),
                                (11, '@B@', 'Wonderland', NULL), (12, '@B@', 'Ops', NULL);
INSERT INTO public.users VALUES
    (1, '@A@', 'alice@example.com', 'Alice Liddell', '+33 6 11 11 11 11', 1),
    (2, '@A@', 'bob@example.com', 'Bob Stone', '+33 6 22 22 22 22', 1),
    (3, '@A@', 'carol@example.com', 'Carol Jones', NULL, NULL),
    (11, '@B@', 'alice@example.com', 'Alice Other', '+1 555 0100', 11),
    (12, '@B@', 'dave@example.com', 'Dave Miller', '+1 555 0101', 12),
    (13, '@B@', 'erin@example.com', 'Erin Brown', NULL, 12);
UPDATE public.teams SET manager_id = 1 WHERE id = 1;
UPDATE public.teams SET manager_id = 11 WHERE id = 11;
UPDATE public.teams SET manager_id = 12 WHERE id = 12;
)" + tenant_rls(p, {"public.teams", "public.users"}) +
                  grants("public");
    p.config_yaml = R"(tenancy:
  column: tenant_id
  setting: app.tenant_id
  app_role: app
data:
  subjects: {table: users, key: id, lookup: [email]}
  tables:
    users: {subject: id, pii: [email, full_name], encrypted: [phone], erase: anonymize, anonymize: {email: hash, full_name: redact}}
    teams: {non_pii: [name], erase: anonymize, anonymize: {manager_id: null}}
)";
    return finish(std::move(p));
}

Pattern cycle_deferrable() {
    Pattern p;
    p.name = "cycle_deferrable";
    p.description = "text tenancy; users <-> teams cycle over composite keys, both sides NOT NULL DEFERRABLE (one INITIALLY DEFERRED, one IMMEDIATE)";
    p.tenancy_column = "tenant_id";
    p.tenancy_type = "text";
    p.tenant_a = "acme";
    p.tenant_b = "globex";
    p.relations = {"public.teams", "public.users"};
    // Both inserts in one statement: the IMMEDIATE constraint is checked at its end, when both
    // sides exist, so the setup needs no explicit transaction. The rows come last: the DEFERRED
    // constraint leaves trigger events pending, and ALTER TABLE refuses to run while they are.
    p.setup_sql = create_role("app", "NOLOGIN") + R"(
CREATE TABLE public.teams (
    tenant_id text NOT NULL,
    id integer NOT NULL,
    name text NOT NULL,
    manager_id integer NOT NULL,
    PRIMARY KEY (tenant_id, id));
CREATE TABLE public.users (
    tenant_id text NOT NULL,
    id integer NOT NULL,
    email text NOT NULL,
    full_name text,
    phone text,
    team_id integer NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT users_team_fk FOREIGN KEY (tenant_id, team_id) REFERENCES public.teams (tenant_id, id)
        DEFERRABLE INITIALLY DEFERRED);
ALTER TABLE public.teams ADD CONSTRAINT teams_manager_fk FOREIGN KEY (tenant_id, manager_id)
    REFERENCES public.users (tenant_id, id) DEFERRABLE INITIALLY IMMEDIATE;
)" + tenant_rls(p, {"public.teams", "public.users"}) +
                  grants("public") + R"(
WITH t AS (
    INSERT INTO public.teams VALUES ('@A@', 1, 'Wonderland', 1), ('@A@', 2, 'Looking Glass', 2),
                                    ('@B@', 1, 'Wonderland', 1), ('@B@', 2, 'Ops', 3)
)
INSERT INTO public.users VALUES
    ('@A@', 1, 'alice@example.com', 'Alice Liddell', '+33 6 11 11 11 11', 1),
    ('@A@', 2, 'bob@example.com', 'Bob Stone', '+33 6 22 22 22 22', 2),
    ('@A@', 3, 'carol@example.com', 'Carol Jones', NULL, 1),
    ('@B@', 1, 'alice@example.com', 'Alice Other', '+1 555 0100', 1),
    ('@B@', 2, 'dave@example.com', 'Dave Miller', '+1 555 0101', 2),
    ('@B@', 3, 'erin@example.com', 'Erin Brown', NULL, 2);
)";
    p.config_yaml = R"(tenancy:
  column: tenant_id
  setting: app.tenant_id
  app_role: app
data:
  subjects: {table: users, key: id, lookup: [email]}
  tables:
    users: {subject: id, pii: [email, full_name], encrypted: [phone], erase: anonymize, anonymize: {email: hash, full_name: redact}}
    teams: {non_pii: [name]}
)";
    return finish(std::move(p));
}

Pattern cascade_set_null() {
    Pattern p;
    p.name = "cascade_set_null";
    p.description = "uuid tenancy; ON DELETE CASCADE and SET NULL, also into tables without the tenancy column (two hops deep)";
    p.tenancy_column = "tenant_id";
    p.tenancy_type = "uuid";
    p.tenant_a = kUuidA;
    p.tenant_b = kUuidB;
    p.relations = {"public.users", "public.posts", "public.comments", "public.attachments", "public.activity"};
    p.attribution["public.comments"] =
        "EXISTS (SELECT 1 FROM public.posts p WHERE p.id = t.post_id AND p.tenant_id = $1::uuid)";
    p.attribution["public.attachments"] =
        "EXISTS (SELECT 1 FROM public.comments c JOIN public.posts p ON p.id = c.post_id "
        "WHERE c.id = t.comment_id AND p.tenant_id = $1::uuid)";
    p.setup_sql = create_role("app", "NOLOGIN") + R"(
CREATE TABLE public.users (id bigint PRIMARY KEY, tenant_id uuid NOT NULL, email text NOT NULL, full_name text, phone text);
CREATE TABLE public.posts (
    id bigint PRIMARY KEY,
    tenant_id uuid NOT NULL,
    author_id bigint NOT NULL REFERENCES public.users (id) ON DELETE CASCADE,
    title text NOT NULL,
    body text);
-- No tenancy column: rows belong to the tenant of their post.
CREATE TABLE public.comments (
    id bigint PRIMARY KEY,
    post_id bigint NOT NULL REFERENCES public.posts (id) ON DELETE CASCADE,
    author_id bigint REFERENCES public.users (id) ON DELETE SET NULL,
    body text NOT NULL);
-- No tenancy column, two hops from a tenant row.
CREATE TABLE public.attachments (
    id bigint PRIMARY KEY,
    comment_id bigint NOT NULL REFERENCES public.comments (id) ON DELETE CASCADE,
    file_name text NOT NULL);
CREATE TABLE public.activity (
    id bigint PRIMARY KEY,
    tenant_id uuid NOT NULL,
    user_id bigint REFERENCES public.users (id) ON DELETE SET NULL,
    action text NOT NULL);
INSERT INTO public.users VALUES
    (1, '@A@', 'alice@example.com', 'Alice Liddell', '+33 6 11 11 11 11'),
    (2, '@A@', 'bob@example.com', 'Bob Stone', '+33 6 22 22 22 22'),
    (3, '@A@', 'carol@example.com', 'Carol Jones', NULL),
    (11, '@B@', 'alice@example.com', 'Alice Other', '+1 555 0100'),
    (12, '@B@', 'dave@example.com', 'Dave Miller', '+1 555 0101'),
    (13, '@B@', 'erin@example.com', 'Erin Brown', NULL);
INSERT INTO public.posts VALUES
    (1, '@A@', 1, 'Alice post', 'acme body 1'), (2, '@A@', 2, 'Bob post', 'acme body 2'),
    (11, '@B@', 11, 'Other post', 'globex body 1'), (12, '@B@', 12, 'Dave post', 'globex body 2');
INSERT INTO public.comments VALUES
    (1, 1, 2, 'bob on alice'), (2, 1, 1, 'alice on alice'), (3, 2, 1, 'alice on bob'),
    (11, 11, 12, 'dave on other'), (12, 11, 11, 'other on other'), (13, 12, 11, 'other on dave');
INSERT INTO public.attachments VALUES (1, 1, 'bob.png'), (2, 3, 'alice.pdf'), (11, 11, 'dave.png'), (12, 13, 'other.pdf');
INSERT INTO public.activity VALUES
    (1, '@A@', 1, 'login'), (2, '@A@', 2, 'login'), (3, '@A@', NULL, 'system'),
    (11, '@B@', 11, 'login'), (12, '@B@', 12, 'login'), (13, '@B@', NULL, 'system');
)" + tenant_rls(p, {"public.users", "public.posts", "public.activity"}) +
                  rls("public.comments", "EXISTS (SELECT 1 FROM public.posts p WHERE p.id = post_id)") +
                  grants("public");
    p.config_yaml = R"(tenancy:
  column: tenant_id
  setting: app.tenant_id
  app_role: app
data:
  subjects: {table: users, key: id, lookup: [email]}
  tables:
    users: {subject: id, pii: [email, full_name], encrypted: [phone], erase: delete}
    posts: {subject: author_id, pii: [title], encrypted: [body], erase: delete}
    comments: {subject: author_id, pii: [body], erase: delete}
    attachments: {pii: [file_name], erase: delete}
    activity: {subject: user_id, non_pii: [action], erase: retain, basis: "security log, 1y"}
)";
    return finish(std::move(p));
}

Pattern non_public_schema() {
    Pattern p;
    p.name = "non_public_schema";
    p.description = "uuid tenancy; the app lives in schema app, and public.users (staff, no tenancy column) is a same-named global table";
    p.tenancy_column = "tenant_id";
    p.tenancy_type = "uuid";
    p.tenant_a = kUuidA;
    p.tenant_b = kUuidB;
    p.relations = {"app.users", "app.notes", "public.users"};
    p.shared_relations = {"public.users"};
    p.setup_sql = create_role("app", "NOLOGIN") + R"(
CREATE SCHEMA app;
CREATE TABLE public.users (id bigint PRIMARY KEY, email text NOT NULL, full_name text);
CREATE TABLE app.users (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, email text NOT NULL, full_name text, phone text);
CREATE TABLE app.notes (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    user_id uuid NOT NULL REFERENCES app.users (id),
    body text);
INSERT INTO public.users VALUES (1, 'alice@example.com', 'Alice Staff'), (2, 'ops@example.com', 'Ops');
INSERT INTO app.users VALUES
    ('00000000-0000-4000-8000-0000000a0001', '@A@', 'alice@example.com', 'Alice Liddell', '+33 6 11 11 11 11'),
    ('00000000-0000-4000-8000-0000000a0002', '@A@', 'bob@example.com', 'Bob Stone', NULL),
    ('00000000-0000-4000-8000-0000000b0001', '@B@', 'alice@example.com', 'Alice Other', '+1 555 0100'),
    ('00000000-0000-4000-8000-0000000b0002', '@B@', 'dave@example.com', 'Dave Miller', NULL);
INSERT INTO app.notes VALUES
    ('00000000-0000-4000-8000-00000a0a0001', '@A@', '00000000-0000-4000-8000-0000000a0001', 'acme note 1'),
    ('00000000-0000-4000-8000-00000a0a0002', '@A@', '00000000-0000-4000-8000-0000000a0001', 'acme note 2'),
    ('00000000-0000-4000-8000-00000a0a0003', '@A@', '00000000-0000-4000-8000-0000000a0002', 'acme note 3'),
    ('00000000-0000-4000-8000-00000b0b0001', '@B@', '00000000-0000-4000-8000-0000000b0001', 'globex note 1'),
    ('00000000-0000-4000-8000-00000b0b0002', '@B@', '00000000-0000-4000-8000-0000000b0002', 'globex note 2');
)" + tenant_rls(p, {"app.users", "app.notes"}) +
                  grants("app");
    p.config_yaml = R"(tenancy:
  column: tenant_id
  setting: app.tenant_id
  app_role: app
data:
  subjects: {table: app.users, key: id, lookup: [email]}
  tables:
    app.users: {subject: id, pii: [email, full_name], encrypted: [phone], erase: anonymize, anonymize: {email: hash, full_name: redact}}
    app.notes: {subject: user_id, encrypted: [body], erase: delete}
)";
    return finish(std::move(p));
}

Pattern quoted_names() {
    Pattern p;
    p.name = "quoted_names";
    p.description = "Prisma-style: quoted mixed-case names, text \"tenantId\", \"Tenant\" as the tenants table, an implicit m2m table without the tenancy column";
    p.tenancy_column = "tenantId";
    p.tenancy_type = "text";
    p.tenant_a = "cm0acme00000000000000001";
    p.tenant_b = "cm0globex000000000000001";
    p.relations = {"public.\"Tenant\"", "public.\"UserAccount\"", "public.\"Document\"",
                   "public.\"_DocumentToUserAccount\""};
    p.attribution["public.\"Tenant\""] = "t.id = $1::text";
    p.attribution["public.\"_DocumentToUserAccount\""] =
        "EXISTS (SELECT 1 FROM public.\"Document\" d WHERE d.id = t.\"A\" AND d.\"tenantId\" = $1::text)";
    p.setup_sql = create_role("app", "NOLOGIN") + R"(
CREATE TABLE public."Tenant" (
    id text NOT NULL,
    slug text NOT NULL,
    "displayName" text NOT NULL,
    "createdAt" timestamp(3) NOT NULL,
    CONSTRAINT "Tenant_pkey" PRIMARY KEY (id));
CREATE UNIQUE INDEX "Tenant_slug_key" ON public."Tenant" (slug);
CREATE TABLE public."UserAccount" (
    id text NOT NULL,
    "tenantId" text NOT NULL,
    email text NOT NULL,
    "fullName" text,
    "phoneEnc" text,
    CONSTRAINT "UserAccount_pkey" PRIMARY KEY (id));
CREATE UNIQUE INDEX "UserAccount_tenantId_email_key" ON public."UserAccount" ("tenantId", email);
ALTER TABLE public."UserAccount" ADD CONSTRAINT "UserAccount_tenantId_fkey" FOREIGN KEY ("tenantId")
    REFERENCES public."Tenant" (id) ON DELETE RESTRICT ON UPDATE CASCADE;
CREATE TABLE public."Document" (
    id text NOT NULL,
    "tenantId" text NOT NULL,
    "ownerId" text NOT NULL,
    "Title" text NOT NULL,
    "bodyEnc" text,
    CONSTRAINT "Document_pkey" PRIMARY KEY (id));
ALTER TABLE public."Document" ADD CONSTRAINT "Document_tenantId_fkey" FOREIGN KEY ("tenantId")
    REFERENCES public."Tenant" (id) ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE public."Document" ADD CONSTRAINT "Document_ownerId_fkey" FOREIGN KEY ("ownerId")
    REFERENCES public."UserAccount" (id) ON DELETE CASCADE ON UPDATE CASCADE;
-- Prisma's implicit many-to-many table: no tenancy column, no primary key, a unique index.
CREATE TABLE public."_DocumentToUserAccount" ("A" text NOT NULL, "B" text NOT NULL);
CREATE UNIQUE INDEX "_DocumentToUserAccount_AB_unique" ON public."_DocumentToUserAccount" ("A", "B");
CREATE INDEX "_DocumentToUserAccount_B_index" ON public."_DocumentToUserAccount" ("B");
ALTER TABLE public."_DocumentToUserAccount" ADD CONSTRAINT "_DocumentToUserAccount_A_fkey" FOREIGN KEY ("A")
    REFERENCES public."Document" (id) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE public."_DocumentToUserAccount" ADD CONSTRAINT "_DocumentToUserAccount_B_fkey" FOREIGN KEY ("B")
    REFERENCES public."UserAccount" (id) ON DELETE CASCADE ON UPDATE CASCADE;
INSERT INTO public."Tenant" VALUES ('@A@', 'acme', 'Acme', '2026-01-01 10:00:00'),
                                   ('@B@', 'globex', 'Globex', '2026-01-02 10:00:00');
INSERT INTO public."UserAccount" VALUES
    ('cua000000000000000000001', '@A@', 'alice@example.com', 'Alice Liddell', '+33 6 11 11 11 11'),
    ('cua000000000000000000002', '@A@', 'bob@example.com', 'Bob Stone', '+33 6 22 22 22 22'),
    ('cub000000000000000000001', '@B@', 'alice@example.com', 'Alice Other', '+1 555 0100'),
    ('cub000000000000000000002', '@B@', 'dave@example.com', 'Dave Miller', NULL);
INSERT INTO public."Document" VALUES
    ('cda000000000000000000001', '@A@', 'cua000000000000000000001', 'Alice plan', 'acme body 1'),
    ('cda000000000000000000002', '@A@', 'cua000000000000000000002', 'Bob plan', 'acme body 2'),
    ('cdb000000000000000000001', '@B@', 'cub000000000000000000001', 'Other plan', 'globex body 1'),
    ('cdb000000000000000000002', '@B@', 'cub000000000000000000002', 'Dave plan', 'globex body 2');
INSERT INTO public."_DocumentToUserAccount" VALUES
    ('cda000000000000000000001', 'cua000000000000000000002'), ('cda000000000000000000002', 'cua000000000000000000001'),
    ('cdb000000000000000000001', 'cub000000000000000000002'), ('cdb000000000000000000002', 'cub000000000000000000001');
)" + rls("public.\"Tenant\"", "id = current_setting('app.tenant_id')::text") +
                  tenant_rls(p, {"public.\"UserAccount\"", "public.\"Document\""}) + grants("public");
    p.config_yaml = R"(tenancy:
  column: tenantId
  setting: app.tenant_id
  app_role: app
  tenants_table: {table: Tenant, key: id, slug: slug, name: displayName}
data:
  subjects: {table: UserAccount, key: id, lookup: [email]}
  tables:
    Tenant: {non_pii: [slug, displayName, createdAt]}
    UserAccount: {subject: id, pii: [email, fullName], encrypted: [phoneEnc], erase: anonymize, anonymize: {email: hash, fullName: redact}}
    Document: {subject: ownerId, pii: [Title], encrypted: [bodyEnc], erase: delete}
    _DocumentToUserAccount: {subject: B, erase: delete}
)";
    return finish(std::move(p));
}

Pattern tenants_table_uuid() {
    Pattern p;
    p.name = "tenants_table_uuid";
    p.description = "organizations (uuid key) as the tenants table, tenancy column org_id with ON DELETE CASCADE, a global plans table";
    p.tenancy_column = "org_id";
    p.tenancy_type = "uuid";
    p.tenant_a = kUuidA;
    p.tenant_b = kUuidB;
    p.relations = {"public.plans", "public.organizations", "public.members", "public.invoices"};
    p.shared_relations = {"public.plans"};
    p.attribution["public.organizations"] = "t.id = $1::uuid";
    p.setup_sql = create_role("app", "NOLOGIN") + R"(
CREATE TABLE public.plans (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE public.organizations (
    id uuid PRIMARY KEY,
    slug text NOT NULL UNIQUE,
    name text NOT NULL,
    plan_id integer NOT NULL REFERENCES public.plans (id));
CREATE TABLE public.members (
    org_id uuid NOT NULL REFERENCES public.organizations (id) ON DELETE CASCADE,
    id integer NOT NULL,
    email text NOT NULL,
    full_name text,
    api_token text,
    PRIMARY KEY (org_id, id));
CREATE TABLE public.invoices (
    org_id uuid NOT NULL REFERENCES public.organizations (id) ON DELETE CASCADE,
    id integer NOT NULL,
    member_id integer,
    amount numeric(10,2) NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, member_id) REFERENCES public.members (org_id, id));
INSERT INTO public.plans VALUES (1, 'free'), (2, 'pro');
INSERT INTO public.organizations VALUES ('@A@', 'acme', 'Acme', 2), ('@B@', 'globex', 'Globex', 1);
INSERT INTO public.members VALUES
    ('@A@', 1, 'alice@example.com', 'Alice Liddell', 'acme token 1'),
    ('@A@', 2, 'bob@example.com', 'Bob Stone', 'acme token 2'),
    ('@A@', 3, 'carol@example.com', 'Carol Jones', NULL),
    ('@B@', 1, 'alice@example.com', 'Alice Other', 'globex token 1'),
    ('@B@', 2, 'dave@example.com', 'Dave Miller', NULL),
    ('@B@', 3, 'erin@example.com', 'Erin Brown', 'globex token 3');
INSERT INTO public.invoices VALUES
    ('@A@', 1, 1, 10.00), ('@A@', 2, 2, 20.00), ('@A@', 3, NULL, 30.00),
    ('@B@', 1, 1, 11.00), ('@B@', 2, NULL, 12.00);
)" + rls("public.organizations", "id = current_setting('app.tenant_id')::uuid") +
                  tenant_rls(p, {"public.members", "public.invoices"}) + grants("public");
    p.config_yaml = R"(tenancy:
  column: org_id
  setting: app.tenant_id
  app_role: app
  tenants_table: {table: organizations, key: id, slug: slug, name: name}
data:
  subjects: {table: members, key: id, lookup: [email]}
  tables:
    organizations: {non_pii: [slug, name, plan_id]}
    members: {subject: id, pii: [email, full_name], encrypted: [api_token], erase: anonymize, anonymize: {email: hash, full_name: redact}}
    invoices: {subject: member_id, non_pii: [amount], erase: retain, basis: "tax law, 10y"}
)";
    return finish(std::move(p));
}

Pattern partitioned() {
    Pattern p;
    p.name = "partitioned";
    p.description = "bigint tenancy; events LIST-partitioned by tenant, measurements RANGE-partitioned by month, each filled by ONE statement so ctid/xmin repeat across partitions";
    p.tenancy_column = "tenant_id";
    p.tenancy_type = "bigint";
    p.tenant_a = "100";
    p.tenant_b = "200";
    p.relations = {"public.users", "public.events", "public.measurements"};
    // One INSERT per partitioned table: every row has the same xmin, and each partition starts
    // at ctid (0,1), so (ctid, xmin) is not a row identity there.
    p.setup_sql = create_role("app", "NOLOGIN") + R"(
CREATE TABLE public.users (
    tenant_id bigint NOT NULL,
    id bigint NOT NULL,
    email text NOT NULL,
    full_name text,
    phone text,
    PRIMARY KEY (tenant_id, id));
CREATE TABLE public.events (
    tenant_id bigint NOT NULL,
    id bigint NOT NULL,
    user_id bigint NOT NULL,
    kind text NOT NULL,
    payload text,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES public.users (tenant_id, id) ON DELETE CASCADE
) PARTITION BY LIST (tenant_id);
CREATE TABLE public.events_t100 PARTITION OF public.events FOR VALUES IN (@A@);
CREATE TABLE public.events_t200 PARTITION OF public.events FOR VALUES IN (@B@);
CREATE TABLE public.events_other PARTITION OF public.events DEFAULT;
CREATE TABLE public.measurements (
    tenant_id bigint NOT NULL,
    id bigint NOT NULL,
    user_id bigint NOT NULL,
    recorded_at timestamptz NOT NULL,
    reading text NOT NULL,
    PRIMARY KEY (tenant_id, id, recorded_at),
    FOREIGN KEY (tenant_id, user_id) REFERENCES public.users (tenant_id, id) ON DELETE CASCADE
) PARTITION BY RANGE (recorded_at);
CREATE TABLE public.measurements_2026_01 PARTITION OF public.measurements FOR VALUES FROM ('2026-01-01 00:00+00') TO ('2026-02-01 00:00+00');
CREATE TABLE public.measurements_2026_02 PARTITION OF public.measurements FOR VALUES FROM ('2026-02-01 00:00+00') TO ('2026-03-01 00:00+00');
CREATE TABLE public.measurements_2026_03 PARTITION OF public.measurements FOR VALUES FROM ('2026-03-01 00:00+00') TO ('2026-04-01 00:00+00');
INSERT INTO public.users VALUES
    (@A@, 1, 'alice@example.com', 'Alice Liddell', '+33 6 11 11 11 11'),
    (@A@, 2, 'bob@example.com', 'Bob Stone', '+33 6 22 22 22 22'),
    (@B@, 1, 'alice@example.com', 'Alice Other', '+1 555 0100'),
    (@B@, 2, 'dave@example.com', 'Dave Miller', NULL);
INSERT INTO public.events VALUES
    (@A@, 1, 1, 'login', 'acme payload 1'), (@B@, 1, 1, 'login', 'globex payload 1'),
    (@A@, 2, 1, 'view', 'acme payload 2'), (@B@, 2, 2, 'view', 'globex payload 2'),
    (@A@, 3, 2, 'login', 'acme payload 3'), (@B@, 3, 1, 'logout', 'globex payload 3');
INSERT INTO public.measurements
SELECT tenant, m, CASE WHEN m % 2 = 0 THEN 2 ELSE 1 END,
       timestamptz '2026-01-15 12:00+00' + make_interval(months => (m - 1) % 3),
       CASE WHEN tenant = @A@ THEN 'acme' ELSE 'globex' END || ' reading ' || m
FROM generate_series(1, 6) m CROSS JOIN (VALUES (@A@::bigint), (@B@::bigint)) v (tenant)
ORDER BY m, tenant;
)" + tenant_rls(p, {"public.users", "public.events", "public.measurements"}) +
                  grants("public");
    p.config_yaml = R"(tenancy:
  column: tenant_id
  setting: app.tenant_id
  app_role: app
data:
  subjects: {table: users, key: id, lookup: [email]}
  tables:
    users: {subject: id, pii: [email, full_name], encrypted: [phone], erase: anonymize, anonymize: {email: hash, full_name: redact}}
    events: {subject: user_id, non_pii: [kind], encrypted: [payload], erase: delete}
    measurements: {subject: user_id, non_pii: [recorded_at], encrypted: [reading], erase: delete}
)";
    return finish(std::move(p));
}

Pattern generated_pii() {
    Pattern p;
    p.name = "generated_pii";
    p.description = "varchar(36) tenancy; identity (ALWAYS and BY DEFAULT) and generated columns; PII in jsonb NOT NULL, uuid, inet, varchar(n), arrays";
    p.tenancy_column = "tenant_id";
    p.tenancy_type = "varchar(36)";
    p.tenant_a = kUuidA;
    p.tenant_b = kUuidB;
    p.relations = {"public.users", "public.sessions"};
    p.setup_sql = create_role("app", "NOLOGIN") + R"(
CREATE TABLE public.users (
    tenant_id varchar(36) NOT NULL,
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email varchar(254) NOT NULL,
    email_domain text GENERATED ALWAYS AS (lower(split_part(email, '@', 2))) STORED,
    full_name varchar(36) NOT NULL,
    nickname varchar(12),
    external_id uuid NOT NULL,
    last_ip inet,
    profile jsonb NOT NULL DEFAULT '{}',
    aliases text[] NOT NULL DEFAULT '{}',
    phone text,
    UNIQUE (tenant_id, email));
CREATE TABLE public.sessions (
    tenant_id varchar(36) NOT NULL,
    id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES public.users (id) ON DELETE CASCADE,
    ip inet NOT NULL,
    user_agent varchar(36),
    device_token text);
INSERT INTO public.users (tenant_id, id, email, full_name, nickname, external_id, last_ip, profile, aliases, phone)
OVERRIDING SYSTEM VALUE VALUES
    ('@A@', 1, 'alice@example.com', 'Alice Pleasance Liddell-Hargreaves', 'ally', 'a1a1a1a1-0000-4000-8000-000000000001',
     '192.168.1.10', '{"address": {"city": "Oxford"}, "birthday": "1852-05-04"}', '{Alice,Ally}', '+33 6 11 11 11 11'),
    ('@A@', 2, 'bob@example.com', 'Bob Stone', NULL, 'a1a1a1a1-0000-4000-8000-000000000002',
     '10.0.0.2', '{}', '{}', NULL),
    ('@A@', 3, 'carol@example.com', 'Carol Jones', 'cj', 'a1a1a1a1-0000-4000-8000-000000000003',
     NULL, '{"tags": ["x"]}', '{Caz}', '+33 6 33 33 33 33'),
    ('@B@', 4, 'alice@example.com', 'Alice Other', 'al', 'b2b2b2b2-0000-4000-8000-000000000001',
     '2001:db8::1', '{"address": {"city": "Boston"}}', '{Al}', '+1 555 0100'),
    ('@B@', 5, 'dave@example.com', 'Dave Miller', NULL, 'b2b2b2b2-0000-4000-8000-000000000002',
     '10.0.0.5', '{}', '{}', NULL),
    ('@B@', 6, 'erin@example.com', 'Erin Brown', 'e', 'b2b2b2b2-0000-4000-8000-000000000003',
     NULL, '{}', '{Erin,E}', '+1 555 0103');
SELECT setval(pg_get_serial_sequence('public.users', 'id'), 100);
INSERT INTO public.sessions (tenant_id, id, user_id, ip, user_agent, device_token) VALUES
    ('@A@', 1, 1, '192.168.1.10', 'Mozilla/5.0 (X11; Linux x86_64)', 'acme device 1'),
    ('@A@', 2, 1, '192.168.1.11', 'curl/8.0', 'acme device 2'),
    ('@A@', 3, 2, '10.0.0.2', NULL, NULL),
    ('@B@', 4, 4, '2001:db8::1', 'Mozilla/5.0 (Macintosh)', 'globex device 1'),
    ('@B@', 5, 5, '10.0.0.5', 'curl/8.0', 'globex device 2');
SELECT setval(pg_get_serial_sequence('public.sessions', 'id'), 100);
)" + tenant_rls(p, {"public.users", "public.sessions"}) +
                  grants("public");
    p.config_yaml = R"(tenancy:
  column: tenant_id
  setting: app.tenant_id
  app_role: app
data:
  subjects: {table: users, key: id, lookup: [email]}
  tables:
    users:
      subject: id
      pii: [email, email_domain, full_name, nickname, external_id, last_ip, profile, aliases]
      encrypted: [phone]
      erase: anonymize
      anonymize: {email: hash, full_name: hash, nickname: hash, external_id: hash, last_ip: redact, profile: redact, aliases: redact}
    sessions: {subject: user_id, pii: [ip, user_agent], encrypted: [device_token], erase: delete}
)";
    return finish(std::move(p));
}

Pattern no_primary_key() {
    Pattern p;
    p.name = "no_primary_key";
    p.description = "bigint tenancy; logins keyed only by a unique index over NOT NULL columns, page_views with no usable key and duplicate rows";
    p.tenancy_column = "tenant_id";
    p.tenancy_type = "bigint";
    p.tenant_a = "1";
    p.tenant_b = "2";
    p.relations = {"public.users", "public.logins", "public.page_views"};
    p.setup_sql = create_role("app", "NOLOGIN") + R"(
CREATE TABLE public.users (
    tenant_id bigint NOT NULL,
    id bigint NOT NULL,
    email text NOT NULL,
    full_name text,
    PRIMARY KEY (tenant_id, id));
-- No primary key; a unique index (as Rails' add_index unique: true makes) over NOT NULL columns.
CREATE TABLE public.logins (
    tenant_id bigint NOT NULL,
    user_id bigint NOT NULL,
    happened_at timestamptz NOT NULL,
    ip inet,
    user_agent text,
    FOREIGN KEY (tenant_id, user_id) REFERENCES public.users (tenant_id, id) ON DELETE CASCADE);
CREATE UNIQUE INDEX logins_user_time ON public.logins (tenant_id, user_id, happened_at);
-- No row identity: the only unique constraint has a nullable column, and two rows are identical.
CREATE TABLE public.page_views (
    tenant_id bigint NOT NULL,
    user_id bigint,
    path text NOT NULL,
    session_ref text,
    UNIQUE (tenant_id, session_ref),
    FOREIGN KEY (tenant_id, user_id) REFERENCES public.users (tenant_id, id));
INSERT INTO public.users VALUES
    (@A@, 1, 'alice@example.com', 'Alice Liddell'), (@A@, 2, 'bob@example.com', 'Bob Stone'),
    (@B@, 1, 'alice@example.com', 'Alice Other'), (@B@, 2, 'dave@example.com', 'Dave Miller');
INSERT INTO public.logins VALUES
    (@A@, 1, '2026-01-01 09:00+00', '192.168.1.10', 'acme agent 1'),
    (@A@, 1, '2026-01-02 09:00+00', '192.168.1.10', 'acme agent 2'),
    (@A@, 2, '2026-01-01 09:00+00', '10.0.0.2', 'acme agent 3'),
    (@B@, 1, '2026-01-01 09:00+00', '2001:db8::1', 'globex agent 1'),
    (@B@, 2, '2026-01-01 09:00+00', '10.0.0.5', 'globex agent 2');
INSERT INTO public.page_views VALUES
    (@A@, 1, '/home', NULL), (@A@, 1, '/home', NULL), (@A@, 2, '/pricing', 's-1'), (@A@, NULL, '/home', 's-2'),
    (@B@, 1, '/home', NULL), (@B@, 1, '/home', NULL), (@B@, 2, '/docs', 's-1');
)" + tenant_rls(p, {"public.users", "public.logins", "public.page_views"}) +
                  grants("public");
    p.config_yaml = R"(tenancy:
  column: tenant_id
  setting: app.tenant_id
  app_role: app
data:
  subjects: {table: users, key: id, lookup: [email]}
  tables:
    users: {subject: id, pii: [email, full_name], erase: anonymize, anonymize: {email: hash, full_name: redact}}
    logins: {subject: user_id, pii: [ip], encrypted: [user_agent], non_pii: [happened_at], erase: delete}
    page_views: {subject: user_id, non_pii: [path, session_ref], erase: delete}
)";
    return finish(std::move(p));
}

Pattern owner_force_rls() {
    Pattern p;
    p.name = "owner_force_rls";
    p.description = "Supabase-style: tenantctl connects as the tables' owner under FORCE RLS, and the policies read app.current_tenant, not the configured app.tenant_id";
    p.tenancy_column = "tenant_id";
    p.tenancy_type = "uuid";
    p.tenant_a = kUuidA;
    p.tenant_b = kUuidB;
    p.relations = {"public.profiles", "public.todos"};
    p.connect_as = "corpus_owner";
    p.policy_setting = "app.current_tenant";
    // The owner also owns the platform schema, as when `tenantctl init` ran as that role.
    p.setup_sql = create_role("app", "NOLOGIN") + create_role("corpus_owner", "LOGIN NOSUPERUSER NOBYPASSRLS") + R"(
CREATE TABLE public.profiles (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, email text NOT NULL, full_name text, phone text);
CREATE TABLE public.todos (
    id bigint PRIMARY KEY,
    tenant_id uuid NOT NULL,
    profile_id uuid NOT NULL REFERENCES public.profiles (id) ON DELETE CASCADE,
    task text NOT NULL,
    secret text);
INSERT INTO public.profiles VALUES
    ('00000000-0000-4000-8000-0000000a0001', '@A@', 'alice@example.com', 'Alice Liddell', '+33 6 11 11 11 11'),
    ('00000000-0000-4000-8000-0000000a0002', '@A@', 'bob@example.com', 'Bob Stone', NULL),
    ('00000000-0000-4000-8000-0000000b0001', '@B@', 'alice@example.com', 'Alice Other', '+1 555 0100'),
    ('00000000-0000-4000-8000-0000000b0002', '@B@', 'dave@example.com', 'Dave Miller', NULL);
INSERT INTO public.todos VALUES
    (1, '@A@', '00000000-0000-4000-8000-0000000a0001', 'buy milk', 'acme secret 1'),
    (2, '@A@', '00000000-0000-4000-8000-0000000a0001', 'call bob', 'acme secret 2'),
    (3, '@A@', '00000000-0000-4000-8000-0000000a0002', 'write report', NULL),
    (11, '@B@', '00000000-0000-4000-8000-0000000b0001', 'ship it', 'globex secret 1'),
    (12, '@B@', '00000000-0000-4000-8000-0000000b0002', 'review', 'globex secret 2');
ALTER TABLE public.profiles OWNER TO corpus_owner;
ALTER TABLE public.todos OWNER TO corpus_owner;
DO $$
DECLARE r record;
BEGIN
    EXECUTE 'ALTER SCHEMA tenantctl OWNER TO corpus_owner';
    FOR r IN SELECT c.oid::regclass AS rel FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'tenantctl' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
               AND NOT (c.relkind = 'S' AND EXISTS (  -- owned by a column: follows its table
                   SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                   AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')))
    LOOP
        EXECUTE format('ALTER TABLE %s OWNER TO corpus_owner', r.rel);
    END LOOP;
    FOR r IN SELECT p.oid::regprocedure AS fn FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'tenantctl'
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO corpus_owner', r.fn);
    END LOOP;
END $$;
)";
    for (const char* r : {"public.profiles", "public.todos"})
        p.setup_sql += rls(r, "tenant_id = nullif(current_setting('app.current_tenant', true), '')::uuid");
    p.setup_sql += grants("public");
    p.config_yaml = R"(tenancy:
  column: tenant_id
  setting: app.tenant_id
  app_role: app
data:
  subjects: {table: profiles, key: id, lookup: [email]}
  tables:
    profiles: {subject: id, pii: [email, full_name], encrypted: [phone], erase: anonymize, anonymize: {email: hash, full_name: redact}}
    todos: {subject: profile_id, pii: [task], encrypted: [secret], erase: delete}
)";
    return finish(std::move(p));
}

Pattern value_types() {
    Pattern p;
    p.name = "value_types";
    p.description = "uuid tenancy; values every export must write as valid JSON: money, numeric NaN/Infinity, interval, arrays, bytea, ranges, composite and enum types, json";
    p.tenancy_column = "tenant_id";
    p.tenancy_type = "uuid";
    p.tenant_a = kUuidA;
    p.tenant_b = kUuidB;
    p.relations = {"public.users", "public.ledger"};
    p.setup_sql = create_role("app", "NOLOGIN") + R"(
CREATE TYPE public.address AS (street text, city text);
CREATE TYPE public.plan_tier AS ENUM ('free', 'pro');
CREATE TABLE public.users (id bigint PRIMARY KEY, tenant_id uuid NOT NULL, email text NOT NULL, full_name text, phone text);
CREATE TABLE public.ledger (
    id bigint PRIMARY KEY,
    tenant_id uuid NOT NULL,
    user_id bigint NOT NULL REFERENCES public.users (id),
    price money NOT NULL,
    ratio numeric,
    period interval,
    scores integer[],
    blob bytea,
    valid tstzrange,
    addr public.address,
    tier public.plan_tier NOT NULL,
    meta json,
    note text);
INSERT INTO public.users VALUES
    (1, '@A@', 'alice@example.com', 'Alice Liddell', '+33 6 11 11 11 11'),
    (2, '@A@', 'bob@example.com', 'Bob Stone', NULL),
    (11, '@B@', 'alice@example.com', 'Alice Other', '+1 555 0100'),
    (12, '@B@', 'dave@example.com', 'Dave Miller', NULL);
INSERT INTO public.ledger VALUES
    (1, '@A@', 1, 12.34, 'NaN', '1 year 2 mons 3 days 04:05:06.789', '{1,2,NULL}', '\x00ff0a22', '[2026-01-01 00:00+00,2026-02-01 00:00+00)',
     ROW('1 "Quoted" St', 'Oxford'), 'pro', '{"a": [1, 2.50, null], "b": "tab\tand \"quote\""}', 'acme ledger 1'),
    (2, '@A@', 1, -0.99, 'Infinity', '-3 hours', '{}', '', 'empty', NULL, 'free', 'null', 'acme ledger 2'),
    (3, '@A@', 2, 1000000.00, '-Infinity', NULL, '{{1,2},{3,4}}', NULL, '(,2026-03-01 00:00+00]', ROW(NULL, 'Paris'), 'free', NULL, NULL),
    (11, '@B@', 11, 0.01, 123456789.123456789, '00:00:00.000001', '{7}', '\x5c', '[2026-01-01 00:00+00,)', ROW('Main St', NULL), 'pro', '[]', 'globex ledger 1'),
    (12, '@B@', 12, 5.00, 0, '1 day', '{NULL}', '\x', NULL, NULL, 'free', '{"x": 1e3}', 'globex ledger 2');
)" + tenant_rls(p, {"public.users", "public.ledger"}) +
                  grants("public");
    p.config_yaml = R"(tenancy:
  column: tenant_id
  setting: app.tenant_id
  app_role: app
data:
  subjects: {table: users, key: id, lookup: [email]}
  tables:
    users: {subject: id, pii: [email, full_name], encrypted: [phone], erase: anonymize, anonymize: {email: hash, full_name: redact}}
    ledger: {subject: user_id, non_pii: [price, ratio, period, scores, blob, valid, addr, tier, meta], encrypted: [note], erase: retain, basis: "accounting, 10y"}
)";
    return finish(std::move(p));
}

Pattern app_triggers() {
    Pattern p;
    p.name = "app_triggers";
    p.description = "the app's own triggers: an AFTER INSERT that queues a welcome email in a tenant table and bumps a global counter, a key to a global plans table";
    p.tenancy_column = "tenant_id";
    p.tenancy_type = "uuid";
    p.tenant_a = kUuidA;
    p.tenant_b = kUuidB;
    p.relations = {"public.plans", "public.signup_totals", "public.members", "public.outbox"};
    p.shared_relations = {"public.plans", "public.signup_totals"};
    p.setup_sql = create_role("app", "NOLOGIN") + R"(
CREATE TABLE public.plans (id text PRIMARY KEY, seats integer NOT NULL);
CREATE TABLE public.signup_totals (id integer PRIMARY KEY, signups bigint NOT NULL);
CREATE TABLE public.members (
    id bigint PRIMARY KEY,
    tenant_id uuid NOT NULL,
    email text NOT NULL,
    phone text,
    plan_id text NOT NULL REFERENCES public.plans (id),
    UNIQUE (tenant_id, email));
CREATE TABLE public.outbox (
    id bigserial PRIMARY KEY,
    tenant_id uuid NOT NULL,
    member_id bigint NOT NULL REFERENCES public.members (id) ON DELETE CASCADE,
    kind text NOT NULL,
    sent_to text NOT NULL);
-- What a copy or a restore must not do again: the member's rows already hold it.
CREATE FUNCTION public.member_signed_up() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.outbox (tenant_id, member_id, kind, sent_to) VALUES (NEW.tenant_id, NEW.id, 'welcome', NEW.email);
    UPDATE public.signup_totals SET signups = signups + 1 WHERE id = 1;
    RETURN NULL;
END $$;
CREATE TRIGGER members_signed_up AFTER INSERT ON public.members FOR EACH ROW EXECUTE FUNCTION public.member_signed_up();
INSERT INTO public.plans VALUES ('free', 1), ('team', 10), ('pro', 100);
INSERT INTO public.signup_totals VALUES (1, 0);
INSERT INTO public.members VALUES
    (1, '@A@', 'alice@example.com', '+33 6 11 11 11 11', 'pro'),
    (2, '@A@', 'bob@example.com', NULL, 'pro'),
    (3, '@A@', 'carol@example.com', '+33 6 33 33 33 33', 'team'),
    (11, '@B@', 'alice@example.com', '+1 555 0100', 'free'),
    (12, '@B@', 'dave@example.com', NULL, 'team');
UPDATE public.outbox SET kind = 'invite' WHERE member_id = 2;
)" + tenant_rls(p, {"public.members", "public.outbox"}) +
                  grants("public");
    p.config_yaml = R"(tenancy:
  column: tenant_id
  setting: app.tenant_id
  app_role: app
data:
  subjects: {table: members, key: id, lookup: [email]}
  tables:
    members: {subject: id, pii: [email], encrypted: [phone], non_pii: [plan_id], erase: anonymize, anonymize: {email: hash}}
    outbox: {subject: member_id, pii: [sent_to], non_pii: [kind], erase: delete}
)";
    return finish(std::move(p));
}

std::vector<Pattern> build_all() {
    return {composite_fk(),      single_fk(),         self_reference(), cycle_nullable(), cycle_deferrable(),
            cascade_set_null(),  non_public_schema(), quoted_names(),   tenants_table_uuid(),
            partitioned(),       generated_pii(),     no_primary_key(), owner_force_rls(), value_types(),
            app_triggers()};
}

std::vector<std::string> sorted_rows(pqxx::transaction_base& tx, const std::string& sql,
                                     const std::optional<std::string>& value) {
    pqxx::result r = value ? tx.exec_params(sql, *value) : tx.exec(sql);
    std::vector<std::string> rows;
    rows.reserve(r.size());
    for (const auto& row : r) rows.push_back(row[0].as<std::string>());
    std::sort(rows.begin(), rows.end());
    return rows;
}

}  // namespace

bool Pattern::is_shared(const std::string& relation) const {
    return std::find(shared_relations.begin(), shared_relations.end(), relation) != shared_relations.end();
}

std::string Pattern::tenant_predicate(const std::string& relation) const {
    if (is_shared(relation)) return "false";
    if (auto it = attribution.find(relation); it != attribution.end()) return it->second;
    return "t." + quoted(tenancy_column) + " = $1::" + tenancy_type;
}

const std::vector<Pattern>& all() {
    static const std::vector<Pattern> patterns = build_all();
    return patterns;
}

const Pattern& get(std::string_view name) {
    for (const auto& p : all())
        if (p.name == name) return p;
    FAIL("no corpus pattern named " << name);
    throw std::logic_error("unreachable");
}

void setup(const TestDatabase& db, const Pattern& p) {
    db.exec(p.setup_sql);
}

Snapshot snapshot(const TestDatabase& db, const Pattern& p) {
    pqxx::connection c(db.conninfo());
    pqxx::read_transaction tx(c);
    tx.exec("SET LOCAL row_security = off");
    Snapshot s;
    for (const auto& r : p.relations) s[r] = sorted_rows(tx, "SELECT t::text FROM " + r + " t", std::nullopt);
    return s;
}

Snapshot snapshot_tenant(const TestDatabase& db, const Pattern& p, const std::string& tenancy_value) {
    pqxx::connection c(db.conninfo());
    pqxx::read_transaction tx(c);
    tx.exec("SET LOCAL row_security = off");
    Snapshot s;
    for (const auto& r : p.relations)
        s[r] = p.is_shared(r) ? std::vector<std::string>{}
                              : sorted_rows(tx, "SELECT t::text FROM " + r + " t WHERE " + p.tenant_predicate(r),
                                            tenancy_value);
    return s;
}

Snapshot minus(const Snapshot& from, const Snapshot& remove) {
    Snapshot result;
    for (const auto& [relation, rows] : from) {
        auto it = remove.find(relation);
        if (it == remove.end()) {
            result[relation] = rows;
            continue;
        }
        std::vector<std::string> left;
        std::set_difference(rows.begin(), rows.end(), it->second.begin(), it->second.end(), std::back_inserter(left));
        result[relation] = std::move(left);
    }
    return result;
}

std::size_t row_count(const Snapshot& s) {
    std::size_t n = 0;
    for (const auto& [_, rows] : s) n += rows.size();
    return n;
}

Registered register_tenants(const TestDatabase& db, const Pattern& p) {
    Registered ids;
    {
        pqxx::connection c(db.conninfo());
        pqxx::work tx(c);
        const bool uuid = p.tenancy_type == "uuid";
        auto insert = [&](const std::string& value, const char* slug, const char* name) {
            std::optional<std::string> id, key;
            (uuid ? id : key) = value;
            return tx
                .exec_params1("INSERT INTO tenantctl.tenants (id, slug, name, tenancy_key) "
                              "VALUES (coalesce($1::uuid, gen_random_uuid()), $2, $3, $4) RETURNING id",
                              id, slug, name, key)[0]
                .as<std::string>();
        };
        ids.a = insert(p.tenant_a, "acme", "Acme");
        ids.b = insert(p.tenant_b, "globex", "Globex");
        tx.commit();
    }
    TestContext tc(db);
    pqxx::work tx(tc->db());
    keys::create_data_key(tc.ctx(), tx, ids.a);
    keys::create_data_key(tc.ctx(), tx, ids.b);
    tx.commit();
    return ids;
}

namespace {

// The entry of p.relations naming the same table as `name` from the data map.
std::string relation_of(pqxx::transaction_base& tx, const Pattern& p, const config::QualifiedName& name) {
    const std::string wanted = quoted(name.schema) + "." + quoted(name.name);
    for (const auto& r : p.relations)
        if (tx.exec_params1("SELECT to_regclass($1) = to_regclass($2)", r, wanted)[0].as<bool>()) return r;
    FAIL("the data map names " << name.to_string() << ", which is not a relation of pattern " << p.name);
    throw std::logic_error("unreachable");
}

std::vector<std::pair<std::string, std::string>> tenants_of(const Pattern& p, const Registered& ids) {
    return {{p.tenant_a, ids.a}, {p.tenant_b, ids.b}};
}

}  // namespace

void encrypt_seeded(const TestDatabase& db, const Pattern& p, const Registered& ids) {
    const auto cfg = config::parse_config(p.config_yaml, "tenantctl.yaml");
    TestContext tc(db);
    pqxx::work tx(tc->db());
    tx.exec("SET LOCAL row_security = off");
    for (const auto& [value, id] : tenants_of(p, ids)) {
        const auto key = keys::load_usable_keys(tc.ctx(), tx, id).front().key;
        for (const auto& table : cfg.data.tables) {
            if (table.encrypted.empty()) continue;
            const std::string r = relation_of(tx, p, table.table);
            const std::string predicate = p.tenant_predicate(r);
            for (const auto& column : table.encrypted) {
                const std::string col = quoted(column);
                const auto plain = tx.exec_params("SELECT DISTINCT t." + col + " FROM " + r + " t WHERE t." + col +
                                                      " IS NOT NULL AND " + predicate,
                                                  value);
                for (const auto& row : plain) {
                    const std::string text = row[0].as<std::string>();
                    tx.exec_params("UPDATE " + r + " t SET " + col + " = $2 WHERE t." + col + " = $3 AND " + predicate,
                                   value, crypto::fernet_encrypt(key, text, 1700000000), text);
                }
            }
        }
    }
    tx.commit();
}

Snapshot plain_snapshot(const TestDatabase& db, const Pattern& p, const Registered& ids) {
    const auto cfg = config::parse_config(p.config_yaml, "tenantctl.yaml");
    TestContext tc(db);
    pqxx::work tx(tc->db());
    tx.exec("SET LOCAL row_security = off");
    std::map<std::string, std::vector<std::string>> encrypted;  // relation -> columns
    for (const auto& table : cfg.data.tables)
        if (!table.encrypted.empty()) encrypted[relation_of(tx, p, table.table)] = table.encrypted;
    Snapshot s;
    for (const auto& r : p.relations) {
        auto& rows = s[r];
        if (p.is_shared(r)) {
            for (const auto& row : tx.exec("SELECT to_jsonb(t)::text FROM " + r + " t"))
                rows.push_back(nlohmann::json::parse(row[0].as<std::string>()).dump());
        } else {
            for (const auto& [value, id] : tenants_of(p, ids)) {
                const auto usable = keys::load_usable_keys(tc.ctx(), tx, id);
                for (const auto& row :
                     tx.exec_params("SELECT to_jsonb(t)::text FROM " + r + " t WHERE " + p.tenant_predicate(r), value)) {
                    auto doc = nlohmann::json::parse(row[0].as<std::string>());
                    if (auto it = encrypted.find(r); it != encrypted.end())
                        for (const auto& column : it->second) {
                            auto& field = doc[column];
                            if (!field.is_string()) continue;
                            for (const auto& k : usable) {
                                if (!crypto::fernet_verify(k.key, field.get<std::string>())) continue;
                                field = std::string(crypto::fernet_decrypt(k.key, field.get<std::string>()).plaintext.view());
                                break;
                            }
                        }
                    rows.push_back(doc.dump());
                }
            }
        }
        std::sort(rows.begin(), rows.end());
    }
    return s;
}

void remove_rows(const TestDatabase& db, const Pattern& p, const std::string& tenancy_value) {
    pqxx::connection c(db.conninfo());
    pqxx::work tx(c);
    tx.exec("SET LOCAL session_replication_role = replica");
    tx.exec("SET LOCAL row_security = off");
    // Shared relations (no tenant's rows) get an empty list, so the loops below stay aligned.
    for (std::size_t i = 0; i < p.relations.size(); ++i)
        tx.exec_params("CREATE TEMP TABLE doomed_" + std::to_string(i) +
                           " ON COMMIT DROP AS SELECT t.tableoid AS toid, t.ctid AS tid FROM " + p.relations[i] +
                           " t WHERE " + p.tenant_predicate(p.relations[i]) + " AND $1::text IS NOT NULL",
                       tenancy_value);
    for (std::size_t i = 0; i < p.relations.size(); ++i)
        tx.exec("DELETE FROM " + p.relations[i] + " t USING doomed_" + std::to_string(i) +
                " d WHERE t.tableoid = d.toid AND t.ctid = d.tid");
    tx.commit();
}

void remove_tenant(const TestDatabase& db, const Pattern& p, const std::string& tenancy_value, const std::string& tenant_id) {
    remove_rows(db, p, tenancy_value);
    db.exec("DELETE FROM tenantctl.tenant_keys WHERE tenant_id = '" + tenant_id + "'; DELETE FROM tenantctl.tenants WHERE id = '" +
            tenant_id + "'");
}

std::string conninfo_for(const TestDatabase& db, const Pattern& p) {
    // libpq takes the last value of a repeated keyword.
    return p.connect_as ? db.conninfo() + " user=" + *p.connect_as : db.conninfo();
}

std::string url_for(const TestDatabase& db, const Pattern& p) {
    std::string url = db.url();
    if (p.connect_as) url = replace_all(url, "postgres@", *p.connect_as + "@");
    return url;
}

}  // namespace tenantctl::test::corpus
