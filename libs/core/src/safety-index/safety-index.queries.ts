import { sql } from 'kysely';
import type { DbOrTx } from '@ringcad/db';
import { DEFAULT_SCHEME_BY_PRIORITY, findScheme, PRIORITIES } from '@ringcad/domain';
import { tierMetSql } from '../reports';

export async function districts(db: DbOrTx) {
  const r = await sql<{ id: string; name: string }>`
      SELECT id::text AS id, name FROM jurisdictions WHERE kind = 'district' ORDER BY name`.execute(
    db,
  );
  return r.rows;
}

/**
 * Per district over [from, to), from the report pre-aggregate (incident_metrics: exercises never
 * enter it): incidents reached, those whose response met a tier of the scheme their priority is
 * held to (the commander's 处置圈达标率), and P90 from first dispatch to first arrival.
 */
export async function responseByDistrict(db: DbOrTx, from: Date, to: Date) {
  const met = PRIORITIES.map((p) => {
    const scheme = findScheme(DEFAULT_SCHEME_BY_PRIORITY[p]);
    const tiers = scheme ? scheme.tiers.map((t) => tierMetSql(t)) : [sql`FALSE`];
    return sql`WHEN ${sql.lit(p)} THEN (${sql.join(tiers, sql` OR `)})`;
  });
  const r = await sql<{
    district_id: string;
    arrived: number;
    ring_met: number;
    arrive_p90: number | null;
  }>`
      SELECT m.district_id::text AS district_id,
        count(*) FILTER (WHERE m.first_dispatch_at IS NOT NULL AND m.arrive_sec IS NOT NULL)::int AS arrived,
        count(*) FILTER (WHERE m.first_dispatch_at IS NOT NULL AND m.arrive_sec IS NOT NULL
          AND CASE m.priority ${sql.join(met, sql` `)} ELSE FALSE END)::int AS ring_met,
        percentile_cont(0.9) WITHIN GROUP (ORDER BY m.arrive_sec) AS arrive_p90
      FROM incident_metrics m
      WHERE m.created_at >= ${from} AND m.created_at < ${to} AND m.district_id IS NOT NULL
      GROUP BY m.district_id`.execute(db);
  return r.rows;
}

/** Mean road-km share within tier `tier` (1-based) of the scheme over the week's coverage samples. */
export async function coverageByDistrict(
  db: DbOrTx,
  schemeId: string,
  tier: number,
  from: Date,
  to: Date,
) {
  const r = await sql<{ district_id: string; pct: number | null; samples: number }>`
      SELECT district_id::text AS district_id, avg(road_km_pct[${tier}]) AS pct, count(*)::int AS samples
      FROM coverage_samples
      WHERE scheme_id = ${schemeId} AND slot_start >= ${from} AND slot_start < ${to}
      GROUP BY district_id`.execute(db);
  return r.rows;
}

export function selectWeights(db: DbOrTx) {
  return db.selectFrom('safety_index_weights').selectAll().execute();
}

/**
 * Per district, the perimeters touching it: its own (the perimeter's jurisdiction is the district
 * or lies under it) or one with a checkpoint inside the district.
 */
export async function perimetersByDistrict(db: DbOrTx) {
  const r = await sql<{ district_id: string; perimeter_id: string }>`
      WITH RECURSIVE tree AS (
        SELECT id AS district_id, id FROM jurisdictions WHERE kind = 'district'
        UNION SELECT t.district_id, j.id FROM jurisdictions j JOIN tree t ON j.parent_id = t.id)
      SELECT t.district_id::text AS district_id, p.id::text AS perimeter_id
      FROM perimeters p JOIN tree t ON t.id = p.jurisdiction_id
      UNION
      SELECT d.id::text, pc.perimeter_id::text
      FROM jurisdictions d
      JOIN checkpoints c ON ST_Covers(d.boundary, c.location)
      JOIN perimeter_checkpoints pc ON pc.checkpoint_id = c.id
      WHERE d.kind = 'district'
      ORDER BY 1, 2`.execute(db);
  return r.rows;
}

export interface VisibilitySample {
  districtId: string;
  streetKm: number;
  streetKmPct: number;
  pointsVisitedPct: number | null;
}

/** The slot's 见警率 per district; a later sample of the same slot replaces it (late tracks). */
export async function saveVisibilitySamples(
  db: DbOrTx,
  slot: { start: Date; min: number },
  at: Date,
  samples: readonly VisibilitySample[],
) {
  for (const s of samples)
    await sql`
      INSERT INTO visibility_samples
        (district_id, slot_start, slot_min, street_km, street_km_pct, points_visited_pct, sampled_at)
      VALUES (${s.districtId}::uuid, ${slot.start}, ${slot.min}, ${s.streetKm}, ${s.streetKmPct},
        ${s.pointsVisitedPct}, ${at})
      ON CONFLICT (district_id, slot_start) DO UPDATE SET slot_min = EXCLUDED.slot_min,
        street_km = EXCLUDED.street_km, street_km_pct = EXCLUDED.street_km_pct,
        points_visited_pct = EXCLUDED.points_visited_pct, sampled_at = EXCLUDED.sampled_at`.execute(
      db,
    );
}

export interface ReadinessSample {
  districtId: string;
  perimeterId: string;
  tierSec: number;
  coverablePct: number;
  targetPct: number;
}

/** Perimeter readiness per district, perimeter and tier; the latest sample of a slot is kept. */
export async function saveReadinessSamples(
  db: DbOrTx,
  slotStart: Date,
  at: Date,
  samples: readonly ReadinessSample[],
) {
  for (const s of samples)
    await sql`
      INSERT INTO perimeter_readiness_samples
        (district_id, perimeter_id, tier_sec, slot_start, coverable_pct, target_pct, sampled_at)
      VALUES (${s.districtId}::uuid, ${s.perimeterId}::uuid, ${s.tierSec}, ${slotStart},
        ${s.coverablePct}, ${s.targetPct}, ${at})
      ON CONFLICT (district_id, perimeter_id, tier_sec, slot_start) DO UPDATE SET
        coverable_pct = EXCLUDED.coverable_pct, target_pct = EXCLUDED.target_pct,
        sampled_at = EXCLUDED.sampled_at`.execute(db);
}

/** Mean street-km share (见警率) per district over the week's samples. */
export async function visibilityByDistrict(db: DbOrTx, from: Date, to: Date) {
  const r = await sql<{
    district_id: string;
    pct: number;
    points_pct: number | null;
    samples: number;
  }>`
      SELECT district_id::text AS district_id, avg(street_km_pct) AS pct,
        avg(points_visited_pct) AS points_pct, count(*)::int AS samples
      FROM visibility_samples
      WHERE slot_start >= ${from} AND slot_start < ${to}
      GROUP BY district_id`.execute(db);
  return r.rows;
}

/** Mean coverable share over every perimeter tier sampled for the district in the week. */
export async function readinessByDistrict(db: DbOrTx, from: Date, to: Date) {
  const r = await sql<{ district_id: string; pct: number; samples: number; perimeters: number }>`
      SELECT district_id::text AS district_id, avg(coverable_pct) AS pct,
        count(*)::int AS samples, count(DISTINCT perimeter_id)::int AS perimeters
      FROM perimeter_readiness_samples
      WHERE slot_start >= ${from} AND slot_start < ${to}
      GROUP BY district_id`.execute(db);
  return r.rows;
}
