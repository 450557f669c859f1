-- Units' rows keep their last position (read when Redis is down, and by the roster), rewritten
-- every 5 s per unit: 1,000 row versions a second with 5,000 units on shift (issue #16). The GiST
-- index on the position made every one of those updates write new index entries too, so none
-- could be a heap-only (HOT) update: dead versions piled up until a vacuum ran, and at the peak
-- the autovacuum workers were busy with the track partitions (units had 90,000 dead versions for
-- 5,000 rows after 90 s; the roster read, a whole scan, went from 8 to 120 ms). PGlite has no
-- autovacuum at all, so an embedded centre's units table only grew over a shift.
--
-- No query looks units up by position through the index (the district counts test every unit
-- against a few district boundaries), so it goes: a position update now changes no indexed
-- column and is HOT, and a page's dead versions are pruned as it is read (once no running
-- transaction of the server may still see them). Half of each page is left free for those
-- updates, and autovacuum takes the table as soon as it has dead versions, without pausing.
DROP INDEX IF EXISTS units_position_gix;
ALTER TABLE units SET (
  fillfactor = 50,
  autovacuum_vacuum_scale_factor = 0,
  autovacuum_vacuum_threshold = 2000,
  autovacuum_vacuum_cost_delay = 0
);
