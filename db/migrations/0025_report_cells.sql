-- Report pre-aggregates (issue #16): a response-time report reads days, not incidents.
--
-- report_cells holds, per family (the report's group-by: day, district, station, category,
-- priority, hour), group key and block of local days, the sums a report shows: incident counts,
-- the bulletin buckets at the contract's default thresholds (签收 ≤ 30 s, 出警 ≤ 300 s,
-- 反馈 ≤ 1800 s), per ring scheme the incidents that met each tier and the ring, and per measure
-- (dispatch, ack, arrive) a histogram from which P50/P90 are read.
--
-- Histogram buckets (report_bucket): 0.05 s wide below 5 s, then logarithmic, each 1 % wider
-- than the last (bucket 100 + k holds [5·1.01^k, 5·1.01^(k+1))). A percentile read from the
-- bucket midpoints is within 0.025 s (below 5 s) or 0.5 % of the exact percentile_cont: both
-- values it interpolates between are within that of their bucket's midpoint. Counts and ring
-- figures are exact.
--
-- Blocks: a cell covers 2^level local days (level 0, 3, 6, 9: a day, 8, 64, 512 days) aligned
-- on the day number; a window of whole days is a handful of blocks. The day family keeps days
-- only (its key is the day).
--
-- Which incidents are in the cells: exactly the incident_metrics rows flagged in_cells, i.e.
-- settled incidents (closed, cancelled, merged: nothing more happens to their figures). A row is
-- added when its incident settles, in the same transaction as the close, and any later change of
-- a settled row (a late clear, an edited category) moves its contribution in that transaction
-- too. A report adds the rows not in the cells (open incidents, partial days at the window's
-- edges, rows loaded in bulk and not yet folded in) from incident_metrics itself, so
-- cells + the rest is always every row. rebuild_report_cells() recomputes all cells from
-- incident_metrics set-wise (after a bulk import, or to prove the incremental ones).
--
-- Ring tiers are counted per scheme under the key `<scheme id>:<md5 of its tiers>` with the rows
-- counted last: a scheme added or edited after a cell was filled does not match, and the report
-- answers from incident_metrics instead until the cells are rebuilt.

ALTER TABLE incident_metrics ADD COLUMN in_cells boolean NOT NULL DEFAULT false;
CREATE INDEX incident_metrics_outside_cells_idx ON incident_metrics (created_at) WHERE NOT in_cells;

CREATE TABLE report_cells (
  family text NOT NULL,
  -- '' for the day family and for a NULL district/station (incidents outside every district)
  group_key text NOT NULL,
  level smallint NOT NULL,
  block integer NOT NULL,
  rows integer NOT NULL DEFAULT 0,
  dispatched integer NOT NULL DEFAULT 0,
  arrived integer NOT NULL DEFAULT 0,
  ack_in integer NOT NULL DEFAULT 0,
  depart_in integer NOT NULL DEFAULT 0,
  clear_in integer NOT NULL DEFAULT 0,
  -- histograms: bucket ids and their counts, index for index
  dispatch_b integer[] NOT NULL DEFAULT '{}',
  dispatch_c integer[] NOT NULL DEFAULT '{}',
  ack_b integer[] NOT NULL DEFAULT '{}',
  ack_c integer[] NOT NULL DEFAULT '{}',
  arrive_b integer[] NOT NULL DEFAULT '{}',
  arrive_c integer[] NOT NULL DEFAULT '{}',
  -- {"<scheme>:<md5>": [tier 0 met, …, ring met, rows counted]}
  tiers jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (family, level, block, group_key)
);

CREATE FUNCTION report_bucket(v double precision) RETURNS integer AS $$
  SELECT CASE WHEN v < 5 THEN floor(v / 0.05)::integer
    ELSE 100 + floor(ln(v / 5) / ln(1.01))::integer END;
$$ LANGUAGE sql IMMUTABLE PARALLEL SAFE;

-- One scheme's tiers as SQL over `incident_metrics m`: ARRAY[tier 0 met, …, ring met, 1]::integer[]
-- (1: the row, so a cell knows how many rows its counts cover). The same rule and the same
-- columns as tierMetSql in libs/core reports.queries.ts (and tiersMet in libs/domain): `count`
-- units of the tier's kinds (any kind if none) on scene within `sec` of the first dispatch; the
-- ring: arrived and any tier met.
CREATE FUNCTION report_scheme_sql(tiers jsonb) RETURNS text AS $$
DECLARE
  tier jsonb;
  met text[] := '{}';
  need integer;
  sec text;
  firsts text[];
  k text;
BEGIN
  FOR tier IN SELECT value FROM jsonb_array_elements(tiers) LOOP
    need := coalesce((tier->>'count')::integer, 1);
    sec := ((tier->>'sec')::double precision)::text;
    IF jsonb_typeof(tier->'unitKinds') IS DISTINCT FROM 'array' OR jsonb_array_length(tier->'unitKinds') = 0 THEN
      met := met || CASE WHEN need <= 3 THEN format('coalesce(m.arrival_%s_sec <= %s, false)', need, sec)
                         ELSE format('coalesce(m.arrive_secs[%s] <= %s, false)', need, sec) END;
    ELSIF need = 1 THEN
      firsts := '{}';
      FOR k IN SELECT value FROM jsonb_array_elements_text(tier->'unitKinds') LOOP
        firsts := firsts || CASE WHEN k IN ('foot', 'kiosk', 'patrol_car', 'motorcycle', 'swat', 'traffic', 'station_car')
                                 THEN format('m.first_%s_arrival_sec', k)
                                 ELSE format('m.arrive_secs[array_position(m.arrive_kinds, %L::text)]', k) END;
      END LOOP;
      met := met || format('coalesce(LEAST(%s) <= %s, false)', array_to_string(firsts, ', '), sec);
    ELSE
      met := met || format('((SELECT count(*) FROM unnest(m.arrive_secs, m.arrive_kinds) AS arrival(s, k) WHERE arrival.s <= %s AND arrival.k = ANY(%L::text[])) >= %s)',
        sec, ARRAY(SELECT jsonb_array_elements_text(tier->'unitKinds')), need);
    END IF;
  END LOOP;
  RETURN format('ARRAY[%s(m.first_dispatch_at IS NOT NULL AND m.arrive_sec IS NOT NULL AND (%s))::integer, 1]',
    (SELECT string_agg(format('(m.first_dispatch_at IS NOT NULL AND %s)::integer, ', x), '') FROM unnest(met) x),
    coalesce(array_to_string(met, ' OR '), 'false'));
END;
$$ LANGUAGE plpgsql IMMUTABLE;

-- Every current scheme's tier counts for one row, times s (+1 adds, -1 removes).
CREATE FUNCTION report_row_tiers(r incident_metrics, s integer) RETURNS jsonb AS $$
DECLARE
  rs record;
  counts integer[];
  out jsonb := '{}';
BEGIN
  FOR rs IN SELECT id, tiers FROM ring_schemes LOOP
    EXECUTE format('SELECT %s FROM (SELECT ($1).*) m', report_scheme_sql(rs.tiers)) INTO counts USING r;
    out := out || jsonb_build_object(rs.id || ':' || md5(rs.tiers::text),
      (SELECT jsonb_agg(v * s ORDER BY i) FROM unnest(counts) WITH ORDINALITY AS x(v, i)));
  END LOOP;
  RETURN out;
END;
$$ LANGUAGE plpgsql STABLE;

-- Two tier-count objects added key by key, element by element.
CREATE FUNCTION report_tiers_add(a jsonb, b jsonb) RETURNS jsonb AS $$
  SELECT coalesce(jsonb_object_agg(k, (
    SELECT jsonb_agg(coalesce((x.va->>i)::integer, 0) + coalesce((x.vb->>i)::integer, 0) ORDER BY i)
    FROM generate_series(0, greatest(jsonb_array_length(coalesce(x.va, '[]')),
                                     jsonb_array_length(coalesce(x.vb, '[]'))) - 1) i)), '{}')
  FROM (SELECT coalesce(ea.key, eb.key) AS k, ea.value AS va, eb.value AS vb
        FROM jsonb_each(a) ea FULL JOIN jsonb_each(b) eb ON ea.key = eb.key) x;
$$ LANGUAGE sql IMMUTABLE;

-- One value into (or out of) a histogram.
CREATE FUNCTION report_hist_add(INOUT b integer[], INOUT c integer[], v double precision, s integer) AS $$
DECLARE
  k integer;
  p integer;
BEGIN
  IF v IS NULL THEN RETURN; END IF;
  k := report_bucket(v);
  p := array_position(b, k);
  IF p IS NULL THEN
    b := b || k;
    c := c || s;
  ELSE
    c[p] := c[p] + s;
  END IF;
END;
$$ LANGUAGE plpgsql IMMUTABLE;

CREATE FUNCTION report_cell_add(f text, k text, lv integer, blk integer, r incident_metrics, s integer, t jsonb)
RETURNS void AS $$
DECLARE
  c report_cells%ROWTYPE;
BEGIN
  INSERT INTO report_cells (family, group_key, level, block) VALUES (f, k, lv, blk) ON CONFLICT DO NOTHING;
  SELECT * INTO c FROM report_cells WHERE family = f AND level = lv AND block = blk AND group_key = k FOR UPDATE;
  c.rows := c.rows + s;
  IF r.first_dispatch_at IS NOT NULL THEN
    c.dispatched := c.dispatched + s;
    IF r.arrive_sec IS NOT NULL THEN c.arrived := c.arrived + s; END IF;
  END IF;
  IF r.ack_sec <= 30 THEN c.ack_in := c.ack_in + s; END IF;
  IF r.depart_sec <= 300 THEN c.depart_in := c.depart_in + s; END IF;
  IF r.clear_sec <= 1800 THEN c.clear_in := c.clear_in + s; END IF;
  SELECT * INTO c.dispatch_b, c.dispatch_c FROM report_hist_add(c.dispatch_b, c.dispatch_c, r.dispatch_sec, s);
  SELECT * INTO c.ack_b, c.ack_c FROM report_hist_add(c.ack_b, c.ack_c, r.ack_sec, s);
  SELECT * INTO c.arrive_b, c.arrive_c FROM report_hist_add(c.arrive_b, c.arrive_c, r.arrive_sec, s);
  c.tiers := report_tiers_add(c.tiers, t);
  UPDATE report_cells SET rows = c.rows, dispatched = c.dispatched, arrived = c.arrived,
    ack_in = c.ack_in, depart_in = c.depart_in, clear_in = c.clear_in,
    dispatch_b = c.dispatch_b, dispatch_c = c.dispatch_c, ack_b = c.ack_b, ack_c = c.ack_c,
    arrive_b = c.arrive_b, arrive_c = c.arrive_c, tiers = c.tiers
  WHERE family = f AND level = lv AND block = blk AND group_key = k;
END;
$$ LANGUAGE plpgsql;

-- One row's contribution to every cell it belongs to, times s. Cells are locked in one order
-- (day first, then family by family) so two settling transactions queue instead of deadlocking.
CREATE FUNCTION report_cells_apply(r incident_metrics, s integer) RETURNS void AS $$
DECLARE
  t jsonb := report_row_tiers(r, s);
  families text[] := ARRAY['category', 'district', 'hour', 'priority', 'station'];
  keys text[] := ARRAY[r.category, coalesce(r.district_id::text, ''), r.local_hour::text,
                       r.priority::text, coalesce(r.station_id::text, '')];
  i integer;
  lv integer;
BEGIN
  PERFORM report_cell_add('day', '', 0, r.local_day, r, s, t);
  FOR i IN 1 .. array_length(families, 1) LOOP
    FOREACH lv IN ARRAY ARRAY[0, 3, 6, 9] LOOP
      PERFORM report_cell_add(families[i], keys[i], lv, r.local_day >> lv, r, s, t);
    END LOOP;
  END LOOP;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION report_cells_from_metrics() RETURNS trigger AS $$
BEGIN
  -- a set-wise rebuild recomputes the cells itself
  IF current_setting('ringcad.report_cells_rebuild', true) = 'on' THEN RETURN NULL; END IF;
  IF TG_OP = 'UPDATE' AND OLD.in_cells AND NEW.in_cells AND OLD IS NOT DISTINCT FROM NEW THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.in_cells THEN PERFORM report_cells_apply(OLD, -1); END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.in_cells THEN PERFORM report_cells_apply(NEW, 1); END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER incident_metrics_report_cells AFTER INSERT OR UPDATE OR DELETE ON incident_metrics
  FOR EACH ROW EXECUTE FUNCTION report_cells_from_metrics();

CREATE FUNCTION report_cells_truncated() RETURNS trigger AS $$
BEGIN
  DELETE FROM report_cells;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER incident_metrics_report_cells_truncate AFTER TRUNCATE ON incident_metrics
  FOR EACH STATEMENT EXECUTE FUNCTION report_cells_truncated();

-- An incident that settles (or, should it ever happen, leaves a settled status) moves its row
-- in or out of the cells. Named after incidents_incident_metrics so that it fires after it (same
-- event, name order): on INSERT the metrics row exists by then.
CREATE FUNCTION report_cells_from_incident() RETURNS trigger AS $$
BEGIN
  UPDATE incident_metrics SET in_cells = NEW.status IN ('closed', 'cancelled', 'merged')
  WHERE incident_id = NEW.id AND in_cells IS DISTINCT FROM (NEW.status IN ('closed', 'cancelled', 'merged'));
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER incidents_report_cells AFTER INSERT OR UPDATE OF status ON incidents
  FOR EACH ROW EXECUTE FUNCTION report_cells_from_incident();

-- All cells again from incident_metrics, set-wise: flags every settled incident's row, then
-- aggregates days (level 0) from the rows and the larger blocks from the days. Returns the
-- rows in the cells. Any number of times, in any transaction.
CREATE FUNCTION rebuild_report_cells() RETURNS bigint AS $$
DECLARE
  lv integer;
  ms text;
  rs record;
  total bigint;
  -- a row under each of its families: (family, group_key) as the trigger keys it
  explode constant text := $x$CROSS JOIN LATERAL (VALUES ('day', ''), ('category', m.category),
    ('district', coalesce(m.district_id::text, '')), ('hour', m.local_hour::text),
    ('priority', m.priority::text), ('station', coalesce(m.station_id::text, ''))) AS f(family, group_key)$x$;
BEGIN
  PERFORM set_config('ringcad.report_cells_rebuild', 'on', true);
  UPDATE incident_metrics m SET in_cells = (i.status IN ('closed', 'cancelled', 'merged'))
  FROM incidents i
  WHERE i.id = m.incident_id AND m.in_cells IS DISTINCT FROM (i.status IN ('closed', 'cancelled', 'merged'));
  DELETE FROM report_cells;

  EXECUTE format($q$
    INSERT INTO report_cells (family, group_key, level, block, rows, dispatched, arrived, ack_in, depart_in, clear_in)
    SELECT f.family, f.group_key, 0, m.local_day, count(*),
      count(*) FILTER (WHERE m.first_dispatch_at IS NOT NULL),
      count(*) FILTER (WHERE m.first_dispatch_at IS NOT NULL AND m.arrive_sec IS NOT NULL),
      count(*) FILTER (WHERE m.ack_sec <= 30), count(*) FILTER (WHERE m.depart_sec <= 300),
      count(*) FILTER (WHERE m.clear_sec <= 1800)
    FROM incident_metrics m %s WHERE m.in_cells GROUP BY 1, 2, 4$q$, explode);
  FOREACH ms IN ARRAY ARRAY['dispatch', 'ack', 'arrive'] LOOP
    EXECUTE format($q$
      UPDATE report_cells c SET %1$s_b = h.b, %1$s_c = h.c
      FROM (SELECT family, group_key, block, array_agg(b ORDER BY b) AS b, array_agg(n ORDER BY b) AS c
            FROM (SELECT f.family, f.group_key, m.local_day AS block, report_bucket(m.%1$s_sec) AS b, count(*)::integer AS n
                  FROM incident_metrics m %2$s WHERE m.in_cells AND m.%1$s_sec IS NOT NULL GROUP BY 1, 2, 3, 4) x
            GROUP BY 1, 2, 3) h
      WHERE c.level = 0 AND c.family = h.family AND c.group_key = h.group_key AND c.block = h.block$q$, ms, explode);
  END LOOP;
  FOR rs IN SELECT id, tiers FROM ring_schemes LOOP
    EXECUTE format($q$
      UPDATE report_cells c SET tiers = c.tiers || jsonb_build_object(%1$L, to_jsonb(t.counts))
      FROM (SELECT family, group_key, block, array_agg(n ORDER BY i) AS counts
            FROM (SELECT f.family, f.group_key, m.local_day AS block, x.i, sum(x.v)::integer AS n
                  FROM incident_metrics m %2$s CROSS JOIN LATERAL unnest(%3$s) WITH ORDINALITY AS x(v, i)
                  WHERE m.in_cells GROUP BY 1, 2, 3, 4) y
            GROUP BY 1, 2, 3) t
      WHERE c.level = 0 AND c.family = t.family AND c.group_key = t.group_key AND c.block = t.block$q$,
      rs.id || ':' || md5(rs.tiers::text), explode, report_scheme_sql(rs.tiers));
  END LOOP;

  -- larger blocks from the days
  FOREACH lv IN ARRAY ARRAY[3, 6, 9] LOOP
    INSERT INTO report_cells (family, group_key, level, block, rows, dispatched, arrived, ack_in, depart_in, clear_in)
    SELECT family, group_key, lv, block >> lv, sum(rows), sum(dispatched), sum(arrived), sum(ack_in),
      sum(depart_in), sum(clear_in)
    FROM report_cells WHERE level = 0 AND family <> 'day' GROUP BY 1, 2, 4;
    FOREACH ms IN ARRAY ARRAY['dispatch', 'ack', 'arrive'] LOOP
      EXECUTE format($q$
        UPDATE report_cells c SET %1$s_b = h.b, %1$s_c = h.c
        FROM (SELECT family, group_key, block, array_agg(b ORDER BY b) AS b, array_agg(n ORDER BY b) AS c
              FROM (SELECT d.family, d.group_key, d.block >> %2$s AS block, u.b, sum(u.n)::integer AS n
                    FROM report_cells d CROSS JOIN LATERAL unnest(d.%1$s_b, d.%1$s_c) AS u(b, n)
                    WHERE d.level = 0 AND d.family <> 'day' GROUP BY 1, 2, 3, 4) x
              GROUP BY 1, 2, 3) h
        WHERE c.level = %2$s AND c.family = h.family AND c.group_key = h.group_key AND c.block = h.block$q$, ms, lv);
    END LOOP;
    UPDATE report_cells c SET tiers = t.tiers
    FROM (SELECT family, group_key, block, jsonb_object_agg(scheme, counts) AS tiers
          FROM (SELECT family, group_key, block, scheme, jsonb_agg(n ORDER BY i) AS counts
                FROM (SELECT d.family, d.group_key, d.block >> lv AS block, e.key AS scheme, v.i, sum(v.n::integer)::integer AS n
                      FROM report_cells d
                      CROSS JOIN LATERAL jsonb_each(d.tiers) AS e
                      CROSS JOIN LATERAL jsonb_array_elements_text(e.value) WITH ORDINALITY AS v(n, i)
                      WHERE d.level = 0 AND d.family <> 'day' GROUP BY 1, 2, 3, 4, 5) x
                GROUP BY 1, 2, 3, 4) y
          GROUP BY 1, 2, 3) t
    WHERE c.level = lv AND c.family = t.family AND c.group_key = t.group_key AND c.block = t.block;
  END LOOP;

  SELECT count(*) INTO total FROM incident_metrics WHERE in_cells;
  PERFORM set_config('ringcad.report_cells_rebuild', 'off', true);
  RETURN total;
END;
$$ LANGUAGE plpgsql;

SELECT rebuild_report_cells();
