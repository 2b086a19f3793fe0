-- `audit tail -f` wake-ups without taxing every append (replaces 0050's trigger).
--
-- Measured with 4 concurrent single-row writers: a NOTIFY on every commit halved the append
-- rate (commits that notified queue on one lock). Now a tail registers the tenant it follows
-- here (and refreshes it every 20 s); the trigger only notifies for tenants someone follows,
-- so appends pay one primary-key probe of this tiny table. A BEFORE ROW trigger: it needs no
-- after-trigger queue or transition table. A notification is still only delivered at commit.
CREATE TABLE @schema@.audit_listeners (
    tenant_id  uuid PRIMARY KEY,
    expires_at timestamptz NOT NULL
);

DROP TRIGGER audit_log_notify ON @schema@.audit_log;
DROP FUNCTION @schema@.audit_log_notify();

CREATE FUNCTION @schema@.audit_log_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM @schema@.audit_listeners l
               WHERE l.tenant_id = NEW.tenant_id AND l.expires_at > now()) THEN
        PERFORM pg_notify('tenantctl_audit_' || NEW.tenant_id::text, '');
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER audit_log_notify BEFORE INSERT ON @schema@.audit_log
    FOR EACH ROW EXECUTE FUNCTION @schema@.audit_log_notify();
