-- An app that keeps its tenants in its own table with bigint keys (the shape of the Citus
-- multi-tenant guide): companies(id), and every tenant table carries company_id.
CREATE TABLE companies (id bigserial PRIMARY KEY, name text NOT NULL, handle text UNIQUE);
CREATE TABLE campaigns (company_id bigint NOT NULL REFERENCES companies (id), id bigserial,
                        name text NOT NULL, PRIMARY KEY (company_id, id));
CREATE TABLE ads (company_id bigint NOT NULL, id bigserial, campaign_id bigint NOT NULL, headline text,
                  PRIMARY KEY (company_id, id),
                  FOREIGN KEY (company_id, campaign_id) REFERENCES campaigns (company_id, id));
INSERT INTO companies (name, handle) VALUES ('Wayne Enterprises', 'wayne'), ('Stark Industries', NULL),
                                            ('Acme Corp', 'acme');
INSERT INTO campaigns (company_id, name) SELECT id, name || ' launch' FROM companies;
INSERT INTO ads (company_id, campaign_id, headline) SELECT company_id, id, 'Buy ' || name FROM campaigns;
