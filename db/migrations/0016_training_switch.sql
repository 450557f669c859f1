-- 训练模拟: the training simulator's switches, set by a dispatcher or commander in the console and
-- read by the simulator (GET /api/v1/training/simulation). One row per switch; a missing row is
-- the default (off): a fresh system never has the simulator dispatch for the dispatcher.
CREATE TABLE training_settings (
  key text PRIMARY KEY,
  enabled boolean NOT NULL,
  updated_at timestamptz NOT NULL,
  updated_by uuid REFERENCES users(id),
  updated_by_name text
);
