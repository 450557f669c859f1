-- 平安指数 samples of 见警率 and standing-perimeter readiness (issue #17, item 6).
--
-- Neither has a history of its own: visibility is computed from the tracks on demand and
-- readiness from live positions. A periodic job (queue `index-samples`) keeps one sample per
-- district and hour slot, so a week's part in the index is the mean of its samples; a district
-- without samples that week has no value for the part (never an estimate). No incident enters
-- either sample, so exercises cannot reach them.

-- Per district and slot: the street-km and patrol-point shares passed within the slot
-- (PatrolService.visibility, windowMin = slot). Recomputed while the slot is the latest complete
-- one, so tracks that arrive late (batched, offline terminals) are counted.
CREATE TABLE visibility_samples (
  district_id uuid NOT NULL REFERENCES jurisdictions(id) ON DELETE CASCADE,
  slot_start timestamptz NOT NULL,
  slot_min integer NOT NULL,
  street_km double precision NOT NULL,
  street_km_pct double precision NOT NULL,
  -- null: the district has no patrol plan points to visit
  points_visited_pct double precision,
  sampled_at timestamptz NOT NULL,
  PRIMARY KEY (district_id, slot_start)
);

-- Per district, perimeter, tier and slot: the share of the perimeter's checkpoints coverable
-- within the tier (PerimetersService.readiness) when sampled, for every perimeter touching the
-- district (its own, or one with a checkpoint inside it). The latest sample of a slot is kept.
CREATE TABLE perimeter_readiness_samples (
  district_id uuid NOT NULL REFERENCES jurisdictions(id) ON DELETE CASCADE,
  perimeter_id uuid NOT NULL,
  tier_sec integer NOT NULL,
  slot_start timestamptz NOT NULL,
  coverable_pct double precision NOT NULL,
  target_pct double precision NOT NULL,
  sampled_at timestamptz NOT NULL,
  PRIMARY KEY (district_id, perimeter_id, tier_sec, slot_start)
);
CREATE INDEX perimeter_readiness_samples_slot_idx ON perimeter_readiness_samples (slot_start);
