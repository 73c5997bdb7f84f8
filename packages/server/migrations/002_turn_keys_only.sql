-- relayburn-server schema 2. `turn_keys` is the one unique index a turn needs: it records
-- where the stored row is (session and month), so `turns` drops its primary key (one B-tree
-- fewer per ingested turn) and a revision finds the row it replaces by the session index.
ALTER TABLE turn_keys ADD COLUMN session_id text;
UPDATE turn_keys k SET session_id = t.session_id FROM turns t
 WHERE t.org_id = k.org_id AND t.harness = k.harness AND t.turn_key = k.turn_key AND t.ts_ms = k.ts_ms;
ALTER TABLE turn_keys ALTER COLUMN session_id SET NOT NULL;
ALTER TABLE turns DROP CONSTRAINT turns_pkey;
