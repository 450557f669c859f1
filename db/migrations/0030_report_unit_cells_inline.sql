-- The per-unit report cells (0029) kept in their rows (issue #16). A cell of a 64- or 512-day block
-- holds six histograms of a few hundred buckets each (≈ 4 kB); above the default toast target
-- (≈ 2 kB) PostgreSQL moved them out of line, and a report that reads 5,000 such cells fetched
-- each array from the TOAST table at every use (0.3 s of a 0.4 s report). Up to a page (8 kB)
-- they now stay in the row; larger cells are still moved out, and reports read each array once.
ALTER TABLE report_unit_cells SET (toast_tuple_target = 8160);

-- the cells written before: every histogram written again (a value of its own, so it is placed
-- under the new target instead of keeping its pointer)
UPDATE report_unit_cells SET
  dispatch_b = dispatch_b || '{}'::int[], dispatch_cum = dispatch_cum || '{}'::int[],
  ack_b = ack_b || '{}'::int[], ack_cum = ack_cum || '{}'::int[],
  arrive_b = arrive_b || '{}'::int[], arrive_cum = arrive_cum || '{}'::int[]
WHERE pg_column_size(dispatch_b) + pg_column_size(dispatch_cum) + pg_column_size(ack_b)
  + pg_column_size(ack_cum) + pg_column_size(arrive_b) + pg_column_size(arrive_cum) > 1800;
