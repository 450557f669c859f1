-- The desk's lifecycle (issue 13): more calls on one incident, a running log of notes, merging
-- duplicates into a master, and dispositions (警情处理结果) as data.

CREATE TABLE incident_calls (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  incident_id uuid NOT NULL REFERENCES incidents(id),
  caller_number text,
  caller_name text,
  received_at timestamptz NOT NULL,
  note text,
  created_at timestamptz NOT NULL,
  actor_kind text NOT NULL,
  actor_id text,
  actor_name text,
  -- set when the call came over from a merged duplicate: which incident it was first filed on
  merged_from uuid REFERENCES incidents(id)
);
CREATE INDEX incident_calls_incident_idx ON incident_calls (incident_id, received_at);
CREATE INDEX incident_calls_number_idx ON incident_calls (caller_number, received_at) WHERE caller_number IS NOT NULL;

CREATE TABLE incident_notes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  incident_id uuid NOT NULL REFERENCES incidents(id),
  at timestamptz NOT NULL,
  actor_kind text NOT NULL,
  actor_id text,
  actor_name text,
  text text NOT NULL
);
CREATE INDEX incident_notes_incident_idx ON incident_notes (incident_id, at);

-- a merged duplicate points at its master; its calls, notes and events stay where they were
-- written and are listed on the master through this link
ALTER TABLE incidents ADD COLUMN merged_into uuid REFERENCES incidents(id);
CREATE INDEX incidents_merged_into_idx ON incidents (merged_into) WHERE merged_into IS NOT NULL;
CREATE INDEX incidents_caller_number_idx ON incidents (caller_number, created_at) WHERE caller_number IS NOT NULL;

CREATE TABLE dispositions (
  code text PRIMARY KEY,
  label_zh text NOT NULL,
  label_en text NOT NULL,
  -- the incident is handed to another agency when closed with this code (e.g. 12345)
  transfer_agency text,
  sort integer NOT NULL DEFAULT 100,
  builtin boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- modelled on the national 警情处理结果 coding
INSERT INTO dispositions (code, label_zh, label_en, transfer_agency, sort, builtin) VALUES
  ('handled_on_scene', '现场处置完毕', 'Handled on scene', NULL, 10, true),
  ('mediated', '调解处理', 'Mediated', NULL, 20, true),
  ('case_filed', '受理立案', 'Case filed', NULL, 30, true),
  ('administrative', '行政处罚', 'Administrative penalty', NULL, 40, true),
  ('transferred', '移交其他部门', 'Transferred to another department', NULL, 50, true),
  ('non_police_12345', '非警务警情 移交12345', 'Non-police matter, transferred to 12345', '12345', 60, true),
  ('assistance_given', '求助已处置', 'Assistance given', NULL, 70, true),
  ('duplicate', '重复报警', 'Duplicate call', NULL, 80, true),
  ('false_report', '虚假报警', 'False report', NULL, 90, true),
  ('invalid_call', '无效警情', 'Invalid call', NULL, 100, true),
  ('no_trace', '到场未发现', 'Nothing found on arrival', NULL, 110, true);

-- 重点场所/警示: caution flags of a place (a point or an area) that travel with every task there
CREATE TABLE premises (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  level text NOT NULL CHECK (level IN ('info', 'caution', 'danger')),
  text text NOT NULL,
  geom geometry(Geometry, 4326) NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  created_by text
);
CREATE INDEX premises_geom_gix ON premises USING gist (geom);
