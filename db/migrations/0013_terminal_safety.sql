-- 警务通 (issue #14): point-to-point messages between desk and units, the emergency button and
-- the on-scene check-in timers.

-- A message from a desk (user) to units, or from a unit to the desk. `to_*` keep what the sender
-- addressed (a district, an incident) beside the units it resolved to, so the console can show the
-- thread per unit and per incident. `client_id` makes a terminal's resend (after being offline)
-- land once.
CREATE TABLE messages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  at timestamptz NOT NULL,
  device_at timestamptz,
  from_kind text NOT NULL CHECK (from_kind IN ('user', 'unit')),
  from_id text NOT NULL,
  from_name text NOT NULL,
  text text NOT NULL,
  to_desk boolean NOT NULL DEFAULT false,
  to_unit_ids uuid[] NOT NULL DEFAULT '{}',
  to_jurisdiction_id uuid REFERENCES jurisdictions(id),
  incident_id uuid REFERENCES incidents(id),
  reply_to uuid REFERENCES messages(id),
  client_id text,
  -- the consoles that see it: the jurisdictions it concerns with their ancestors
  console_jurisdiction_ids uuid[] NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX messages_client_idx ON messages (from_id, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX messages_incident_idx ON messages (incident_id, at) WHERE incident_id IS NOT NULL;
CREATE INDEX messages_at_idx ON messages (at);

CREATE TABLE message_recipients (
  message_id uuid NOT NULL REFERENCES messages(id),
  unit_id uuid NOT NULL REFERENCES units(id),
  read_at timestamptz,
  PRIMARY KEY (message_id, unit_id)
);
CREATE INDEX message_recipients_unit_idx ON message_recipients (unit_id, message_id);

-- 一键报警: at most one active emergency per unit; cleared only by a dispatcher, with a reason.
CREATE TABLE emergencies (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  unit_id uuid NOT NULL REFERENCES units(id),
  incident_id uuid REFERENCES incidents(id),
  raised_at timestamptz NOT NULL,
  device_at timestamptz,
  raised_by_kind text NOT NULL,
  raised_by_id text,
  raised_by_name text NOT NULL,
  lon double precision,
  lat double precision,
  cleared_at timestamptz,
  cleared_by uuid REFERENCES users(id),
  clear_reason text
);
CREATE UNIQUE INDEX emergencies_active_idx ON emergencies (unit_id) WHERE cleared_at IS NULL;

-- on-scene check-in: a prompt to the terminal, then (unanswered) an alert to the desk
ALTER TABLE timers DROP CONSTRAINT timers_kind_check;
ALTER TABLE timers ADD CONSTRAINT timers_kind_check
  CHECK (kind IN ('ack_overdue', 'tier_deadline', 'check_in_prompt', 'check_in_overdue'));
