-- GDPR request register, version 2: the erasure receipt is stored with the request in the
-- same transaction as the erasure, so a run killed after COMMIT still has its receipt
-- (`gdpr requests show`), and overdue requests are found without a scan (doctor).
ALTER TABLE @schema@.gdpr_requests
    ADD COLUMN receipt jsonb,
    ADD COLUMN artifact text;  -- file name of the export or receipt, when one was written
CREATE INDEX gdpr_requests_open_due_idx ON @schema@.gdpr_requests (due_at) WHERE status = 'open';
