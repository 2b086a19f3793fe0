-- Audit benchmark data, generated server-side (psql variables: n, tenants, months, hot, first).
-- :n events over :tenants tenants (bench-1 .. bench-N) plus :hot events of tenant bench-hot,
-- spread uniformly over the last :months months. The NOTIFY trigger is skipped for the load.
SET session_replication_role = replica;
SET synchronous_commit = off;

\if :first
-- Ids the append benchmark can compute: bench-N is 00000000-0000-4000-8000-<100000000000 + N>.
INSERT INTO tenantctl.tenants (id, slug, name)
SELECT ('00000000-0000-4000-8000-' || (100000000000 + g))::uuid, 'bench-' || g, 'Bench ' || g
FROM generate_series(1, :tenants) g
UNION ALL SELECT '00000000-0000-4000-8000-200000000000', 'bench-hot', 'Bench hot';
\endif

CREATE TEMP TABLE t AS SELECT row_number() OVER (ORDER BY slug) AS k, id FROM tenantctl.tenants WHERE slug LIKE 'bench-%' AND slug <> 'bench-hot';

INSERT INTO tenantctl.audit_log (tenant_id, occurred_at, actor_type, actor_id, action, resource_type, resource_id,
                                 request_id, ip, user_agent, metadata)
SELECT CASE WHEN g <= :hot THEN (SELECT id FROM tenantctl.tenants WHERE slug = 'bench-hot') ELSE t.id END,
       now() - random() * make_interval(days => 30 * :months),
       'user',
       'user-' || (g % 5000),
       (ARRAY['user.login', 'user.logout', 'doc.create', 'doc.edit', 'doc.delete', 'apikey.create', 'billing.update'])[1 + g % 7],
       (ARRAY['session', 'document', 'api_key', 'invoice'])[1 + g % 4],
       'r-' || (g % 100000),
       md5(g::text),
       ('10.' || (g % 250) || '.' || (g % 200) || '.' || (g % 100))::inet,
       (ARRAY['Mozilla/5.0 (X11; Linux x86_64)', 'curl/8.4.0', 'python-requests/2.31'])[1 + g % 3],
       jsonb_build_object('n', g, 'plan', (ARRAY['free', 'pro', 'enterprise'])[1 + g % 3])
FROM generate_series(1, :n) g
JOIN t ON t.k = 1 + (hashint4(g) & 2147483647) % :tenants;
