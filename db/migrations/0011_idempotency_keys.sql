-- Idempotency-Key of incident creation: a retried POST (the answer was lost, the client timed
-- out) returns the incident the first call made instead of making a second one. The row is
-- written by the same statement as the incident, so a key exists if and only if its incident
-- does. Keys are honoured for 24 h (expired ones are ignored, then deleted).
CREATE TABLE idempotency_keys (
  principal text NOT NULL,
  key text NOT NULL,
  request_hash text NOT NULL,
  incident_id uuid NOT NULL REFERENCES incidents (id),
  possible_duplicates jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (principal, key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
