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
