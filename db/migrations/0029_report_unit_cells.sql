-- Per-unit report pre-aggregates (issue #16): response times grouped by unit and the laggards
-- (units and stations) read blocks of days, not assignments.
--
-- report_unit_cells holds, per family, group key and block of local days (level 0, 3, 6, 9: a
-- day, 8, 64, 512 days, as report_cells, migration 0025), the sums of the counted
-- assignment_metrics rows:
--   unit         key unit id, days of the incident's creation (response-times?groupBy=unit):
--                rows, arrived, bulletin buckets at the default thresholds, ring tiers per scheme
--                version, histograms of dispatch, ack and arrive;
--   lag_unit     key unit id, days of the assignment (laggards): rows, histograms of ack, arrive;
--   lag_station  key station id (rows with a station), days of the assignment: the same.
--
-- Histograms use report_bucket (0025) and are kept with their buckets in ascending order and
-- *cumulative* counts (`<measure>_cum[i]`: the values in buckets ≤ `<measure>_b[i]`), so the
-- bucket at a rank is one binary search in the database (width_bucket over the cumulative
-- counts): a report over 5,000 units ships a few buckets per unit, not its whole histogram.
--
-- Which rows are in the cells: the assignment_metrics rows flagged in_cells, i.e. the
-- assignments of settled incidents (closed, cancelled, merged), flagged in the transaction that
-- settles the incident; any later change of such a row moves its contribution in that
-- transaction. A report adds the rows not in the cells from assignment_metrics itself.
-- rebuild_report_cells() now rebuilds these cells too (rebuild_report_unit_cells()).

ALTER TABLE assignment_metrics ADD COLUMN in_cells boolean NOT NULL DEFAULT false;
CREATE INDEX assignment_metrics_created_outside_cells_idx ON assignment_metrics (incident_created_at) WHERE NOT in_cells;
CREATE INDEX assignment_metrics_assigned_outside_cells_idx ON assignment_metrics (assigned_at) WHERE NOT in_cells;

CREATE TABLE report_unit_cells (
  family text NOT NULL,
  group_key text NOT NULL,
  level smallint NOT NULL,
  block integer NOT NULL,
  rows integer NOT NULL DEFAULT 0,
  arrived integer NOT NULL DEFAULT 0,
  ack_in integer NOT NULL DEFAULT 0,
  depart_in integer NOT NULL DEFAULT 0,
  clear_in integer NOT NULL DEFAULT 0,
  -- histograms: bucket ids ascending, and the cumulative counts, index for index
  dispatch_b integer[] NOT NULL DEFAULT '{}',
  dispatch_cum integer[] NOT NULL DEFAULT '{}',
  ack_b integer[] NOT NULL DEFAULT '{}',
  ack_cum integer[] NOT NULL DEFAULT '{}',
  arrive_b integer[] NOT NULL DEFAULT '{}',
  arrive_cum integer[] NOT NULL DEFAULT '{}',
  -- {"<scheme>:<md5>": [tier 0 met, …, ring met, rows counted]} (family unit only)
  tiers jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (family, level, block, group_key)
);

-- The local (UTC+8) day of an instant, as incident_metrics.local_day (migration 0008).
CREATE FUNCTION report_local_day(t timestamptz) RETURNS integer AS $$
  SELECT floor((date_part('epoch', t - '1970-01-01 00:00:00+00'::timestamptz) + 28800) / 86400)::integer;
$$ LANGUAGE sql IMMUTABLE PARALLEL SAFE;

-- One value into (or out of) a cumulative histogram: every count from its bucket on moves by s.
CREATE FUNCTION report_cum_add(INOUT b integer[], INOUT cum integer[], v double precision, s integer) AS $$
DECLARE
  k integer;
  i integer;
BEGIN
  IF v IS NULL THEN RETURN; END IF;
  k := report_bucket(v);
  -- the buckets ≤ k
  i := width_bucket(k, b);
  IF i > 0 AND b[i] = k THEN
    cum := cum[1:i - 1] || ARRAY(SELECT x + s FROM unnest(cum[i:]) WITH ORDINALITY u(x, o) ORDER BY o);
  ELSE
    b := b[1:i] || k || b[i + 1:];
    cum := cum[1:i] || (coalesce(cum[i], 0) + s)
      || ARRAY(SELECT x + s FROM unnest(cum[i + 1:]) WITH ORDINALITY u(x, o) ORDER BY o);
  END IF;
END;
$$ LANGUAGE plpgsql IMMUTABLE;

-- Every current scheme's tier counts for one assignment row (its incident's arrivals; the row is
-- dispatched by being an assignment), times s: the rule of report_scheme_sql (0025).
CREATE FUNCTION report_assignment_tiers(r assignment_metrics, s integer) RETURNS jsonb AS $$
DECLARE
  rs record;
  counts integer[];
  out jsonb := '{}';
BEGIN
  FOR rs IN SELECT id, tiers FROM ring_schemes LOOP
    EXECUTE format('SELECT %s FROM (SELECT ($1).*, now() AS first_dispatch_at) m', report_scheme_sql(rs.tiers))
      INTO counts USING r;
    out := out || jsonb_build_object(rs.id || ':' || md5(rs.tiers::text),
      (SELECT jsonb_agg(v * s ORDER BY i) FROM unnest(counts) WITH ORDINALITY AS x(v, i)));
  END LOOP;
  RETURN out;
END;
$$ LANGUAGE plpgsql STABLE;

CREATE FUNCTION report_unit_cell_add(f text, k text, lv integer, blk integer, r assignment_metrics, s integer, t jsonb)
RETURNS void AS $$
DECLARE
  c report_unit_cells%ROWTYPE;
BEGIN
  INSERT INTO report_unit_cells (family, group_key, level, block) VALUES (f, k, lv, blk) ON CONFLICT DO NOTHING;
  SELECT * INTO c FROM report_unit_cells WHERE family = f AND level = lv AND block = blk AND group_key = k FOR UPDATE;
  c.rows := c.rows + s;
  IF f = 'unit' THEN
    IF r.arrive_sec IS NOT NULL THEN c.arrived := c.arrived + s; END IF;
    IF r.ack_sec <= 30 THEN c.ack_in := c.ack_in + s; END IF;
    IF r.depart_sec <= 300 THEN c.depart_in := c.depart_in + s; END IF;
    IF r.clear_sec <= 1800 THEN c.clear_in := c.clear_in + s; END IF;
    SELECT * INTO c.dispatch_b, c.dispatch_cum FROM report_cum_add(c.dispatch_b, c.dispatch_cum, r.dispatch_sec, s);
    c.tiers := report_tiers_add(c.tiers, t);
  END IF;
  SELECT * INTO c.ack_b, c.ack_cum FROM report_cum_add(c.ack_b, c.ack_cum, r.ack_sec, s);
  SELECT * INTO c.arrive_b, c.arrive_cum FROM report_cum_add(c.arrive_b, c.arrive_cum, r.arrive_sec, s);
  UPDATE report_unit_cells SET rows = c.rows, arrived = c.arrived, ack_in = c.ack_in,
    depart_in = c.depart_in, clear_in = c.clear_in,
    dispatch_b = c.dispatch_b, dispatch_cum = c.dispatch_cum, ack_b = c.ack_b, ack_cum = c.ack_cum,
    arrive_b = c.arrive_b, arrive_cum = c.arrive_cum, tiers = c.tiers
  WHERE family = f AND level = lv AND block = blk AND group_key = k;
END;
$$ LANGUAGE plpgsql;

-- One counted row's contribution to every cell it belongs to, times s; cells locked in one order
-- (family, then level) so two settling transactions queue instead of deadlocking.
CREATE FUNCTION report_unit_cells_apply(r assignment_metrics, s integer) RETURNS void AS $$
DECLARE
  created integer := report_local_day(r.incident_created_at);
  assigned integer := report_local_day(r.assigned_at);
  t jsonb;
  lv integer;
BEGIN
  IF NOT r.counted THEN RETURN; END IF;
  t := report_assignment_tiers(r, s);
  IF r.station_id IS NOT NULL THEN
    FOREACH lv IN ARRAY ARRAY[0, 3, 6, 9] LOOP
      PERFORM report_unit_cell_add('lag_station', r.station_id::text, lv, assigned >> lv, r, s, NULL);
    END LOOP;
  END IF;
  FOREACH lv IN ARRAY ARRAY[0, 3, 6, 9] LOOP
    PERFORM report_unit_cell_add('lag_unit', r.unit_id::text, lv, assigned >> lv, r, s, NULL);
  END LOOP;
  FOREACH lv IN ARRAY ARRAY[0, 3, 6, 9] LOOP
    PERFORM report_unit_cell_add('unit', r.unit_id::text, lv, created >> lv, r, s, t);
  END LOOP;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION report_unit_cells_from_metrics() RETURNS trigger AS $$
BEGIN
  IF current_setting('ringcad.report_cells_rebuild', true) = 'on' THEN RETURN NULL; END IF;
  IF TG_OP = 'UPDATE' AND OLD.in_cells AND NEW.in_cells AND OLD IS NOT DISTINCT FROM NEW THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.in_cells THEN PERFORM report_unit_cells_apply(OLD, -1); END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.in_cells THEN PERFORM report_unit_cells_apply(NEW, 1); END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER assignment_metrics_report_unit_cells AFTER INSERT OR UPDATE OR DELETE ON assignment_metrics
  FOR EACH ROW EXECUTE FUNCTION report_unit_cells_from_metrics();

-- An incident that settles (or leaves a settled status) moves its assignments' rows in or out.
CREATE FUNCTION report_unit_cells_from_incident() RETURNS trigger AS $$
BEGIN
  UPDATE assignment_metrics SET in_cells = NEW.status IN ('closed', 'cancelled', 'merged')
  WHERE incident_id = NEW.id AND in_cells IS DISTINCT FROM (NEW.status IN ('closed', 'cancelled', 'merged'));
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER incidents_report_unit_cells AFTER UPDATE OF status ON incidents
  FOR EACH ROW EXECUTE FUNCTION report_unit_cells_from_incident();

-- All unit cells again from assignment_metrics, set-wise: flags the rows of settled incidents,
-- then aggregates each level straight from the rows. Returns the rows in the cells.
CREATE FUNCTION rebuild_report_unit_cells() RETURNS bigint AS $$
DECLARE
  lv integer;
  ms text;
  rs record;
  total bigint;
  -- a counted row under each of its families: (family, group_key, day)
  explode constant text := $x$CROSS JOIN LATERAL (VALUES
    ('unit', m.unit_id::text, report_local_day(m.incident_created_at)),
    ('lag_unit', m.unit_id::text, report_local_day(m.assigned_at)),
    ('lag_station', m.station_id::text, report_local_day(m.assigned_at))) AS f(family, group_key, day)$x$;
  rows_in constant text := 'm.in_cells AND m.counted AND f.group_key IS NOT NULL';
BEGIN
  PERFORM set_config('ringcad.report_cells_rebuild', 'on', true);
  UPDATE assignment_metrics m SET in_cells = (i.status IN ('closed', 'cancelled', 'merged'))
  FROM incidents i
  WHERE i.id = m.incident_id AND m.in_cells IS DISTINCT FROM (i.status IN ('closed', 'cancelled', 'merged'));
  DELETE FROM report_unit_cells;
  FOREACH lv IN ARRAY ARRAY[0, 3, 6, 9] LOOP
    EXECUTE format($q$
      INSERT INTO report_unit_cells (family, group_key, level, block, rows, arrived, ack_in, depart_in, clear_in)
      SELECT f.family, f.group_key, %1$s, f.day >> %1$s, count(*),
        count(*) FILTER (WHERE f.family = 'unit' AND m.arrive_sec IS NOT NULL),
        count(*) FILTER (WHERE f.family = 'unit' AND m.ack_sec <= 30),
        count(*) FILTER (WHERE f.family = 'unit' AND m.depart_sec <= 300),
        count(*) FILTER (WHERE f.family = 'unit' AND m.clear_sec <= 1800)
      FROM assignment_metrics m %2$s WHERE %3$s GROUP BY 1, 2, 4$q$, lv, explode, rows_in);
    FOREACH ms IN ARRAY ARRAY['dispatch', 'ack', 'arrive'] LOOP
      EXECUTE format($q$
        UPDATE report_unit_cells c SET %1$s_b = h.b, %1$s_cum = h.cum
        FROM (SELECT family, group_key, block, array_agg(b ORDER BY b) AS b, array_agg(cum ORDER BY b) AS cum
              FROM (SELECT family, group_key, block, b,
                      (sum(n) OVER (PARTITION BY family, group_key, block ORDER BY b))::integer AS cum
                    FROM (SELECT f.family, f.group_key, f.day >> %2$s AS block, report_bucket(m.%1$s_sec) AS b, count(*) AS n
                          FROM assignment_metrics m %3$s
                          WHERE %4$s AND m.%1$s_sec IS NOT NULL AND (f.family = 'unit' OR %1$L <> 'dispatch')
                          GROUP BY 1, 2, 3, 4) x) y
              GROUP BY 1, 2, 3) h
        WHERE c.level = %2$s AND c.family = h.family AND c.group_key = h.group_key AND c.block = h.block$q$,
        ms, lv, explode, rows_in);
    END LOOP;
    FOR rs IN SELECT id, tiers FROM ring_schemes LOOP
      EXECUTE format($q$
        UPDATE report_unit_cells c SET tiers = c.tiers || jsonb_build_object(%1$L, to_jsonb(t.counts))
        FROM (SELECT group_key, block, array_agg(n ORDER BY i) AS counts
              FROM (SELECT m.unit_id::text AS group_key, report_local_day(m.incident_created_at) >> %3$s AS block, x.i,
                      sum(x.v)::integer AS n
                    FROM (SELECT a.*, now() AS first_dispatch_at FROM assignment_metrics a) m
                    CROSS JOIN LATERAL unnest(%2$s) WITH ORDINALITY AS x(v, i)
                    WHERE m.in_cells AND m.counted GROUP BY 1, 2, 3) y
              GROUP BY 1, 2) t
        WHERE c.family = 'unit' AND c.level = %3$s AND c.group_key = t.group_key AND c.block = t.block$q$,
        rs.id || ':' || md5(rs.tiers::text), report_scheme_sql(rs.tiers), lv);
    END LOOP;
  END LOOP;
  SELECT count(*) INTO total FROM assignment_metrics WHERE in_cells;
  PERFORM set_config('ringcad.report_cells_rebuild', 'off', true);
  RETURN total;
END;
$$ LANGUAGE plpgsql;

-- rebuild_report_cells() (0025) rebuilds both kinds of cells, as a bulk import expects.
ALTER FUNCTION rebuild_report_cells() RENAME TO rebuild_report_incident_cells;
CREATE FUNCTION rebuild_report_cells() RETURNS bigint AS $$
DECLARE
  total bigint := rebuild_report_incident_cells();
BEGIN
  PERFORM rebuild_report_unit_cells();
  RETURN total;
END;
$$ LANGUAGE plpgsql;

SELECT rebuild_report_unit_cells();
