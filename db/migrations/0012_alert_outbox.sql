-- Alerts are their own outbox: a row is written with delivered_at NULL in the transaction that
-- raises it, and a delivery loop pushes undelivered rows to the consoles after commit and marks
-- them, so a crash between the write and the push (or a process whose socket emitter is not
-- bound yet) still delivers the alert.
ALTER TABLE alerts ADD COLUMN delivered_at timestamptz;
-- alerts raised before the outbox existed were pushed when they were raised
UPDATE alerts SET delivered_at = at;
CREATE INDEX alerts_undelivered_idx ON alerts (at) WHERE delivered_at IS NULL;
