-- What changed in the unit roster (#16). A recommendation ranks the whole fleet, and reading
-- 5,000 unit rows for each one cost the desk more than the ranking itself. The api keeps the
-- roster (id, callsign, kind, status) in memory and reads only the rows written since its last
-- read: every row carries the transaction that last added it or changed its callsign, kind,
-- status or station. A reader asks for rows whose transaction is not older than the oldest one
-- still running at its previous read (pg_snapshot_xmin), so a change that committed late is
-- never skipped. No lock beyond the row being written. Positions are not part of the roster.
ALTER TABLE units ADD COLUMN roster_xact bigint NOT NULL DEFAULT pg_current_xact_id()::text::bigint;
CREATE INDEX units_roster_xact_idx ON units (roster_xact);

CREATE FUNCTION unit_roster_touch() RETURNS trigger AS $$
BEGIN
  NEW.roster_xact := pg_current_xact_id()::text::bigint;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER units_roster_touch BEFORE UPDATE OF callsign, kind, status, station_id ON units
  FOR EACH ROW
  WHEN (OLD.callsign IS DISTINCT FROM NEW.callsign OR OLD.kind IS DISTINCT FROM NEW.kind
        OR OLD.status IS DISTINCT FROM NEW.status OR OLD.station_id IS DISTINCT FROM NEW.station_id)
  EXECUTE FUNCTION unit_roster_touch();
