CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;
/* nested /* comment */ ; */ SELECT E'it\'s; fine', 'a''b', "quoted;ident";
COPY t FROM stdin;
SELECT $$;$$; -- trailing ; comment
