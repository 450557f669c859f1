-- 管理席: ring schemes as data (admins add their own next to the built-ins), and dispositions an
-- admin may disable (a built-in one is kept for the record, never deleted).
CREATE TABLE ring_schemes (
  id text PRIMARY KEY,
  label_zh text NOT NULL,
  label_en text NOT NULL,
  -- [{sec, label: {zh, en}, unitKinds?, count?, meaning?}], sec strictly ascending
  tiers jsonb NOT NULL,
  builtin boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- the same as BUILTIN_SCHEMES in libs/domain/src/rings.ts
INSERT INTO ring_schemes (id, label_zh, label_en, tiers, builtin) VALUES
  ('1-3-8', '1、3、8分钟处置圈', '1/3/8-minute response rings', '[
    {"sec": 60, "label": {"zh": "1分钟", "en": "1 min"}, "unitKinds": ["foot", "kiosk"], "count": 1,
     "meaning": {"zh": "岗亭/步巡警力到场", "en": "post or foot unit on scene"}},
    {"sec": 180, "label": {"zh": "3分钟", "en": "3 min"}, "unitKinds": ["patrol_car", "motorcycle", "station_car", "traffic", "swat"], "count": 1,
     "meaning": {"zh": "巡逻车到场", "en": "patrol car on scene"}},
    {"sec": 480, "label": {"zh": "8分钟", "en": "8 min"}, "count": 2,
     "meaning": {"zh": "增援警力到场", "en": "reinforcement on scene"}}]', true),
  ('5-10-30', '5分钟现场处置、10分钟增援、半小时包围圈', '5/10/30-minute response', '[
    {"sec": 300, "label": {"zh": "5分钟", "en": "5 min"}, "count": 1,
     "meaning": {"zh": "首支警力到场处置", "en": "first unit on scene"}},
    {"sec": 600, "label": {"zh": "10分钟", "en": "10 min"}, "count": 2,
     "meaning": {"zh": "增援到达", "en": "reinforcement on scene"}},
    {"sec": 1800, "label": {"zh": "30分钟", "en": "30 min"}, "count": 3,
     "meaning": {"zh": "包围圈形成", "en": "encirclement in place"}}]', true),
  ('seal-10-20', '10、20分钟封控圈', '10/20-minute sealing rings', '[
    {"sec": 600, "label": {"zh": "10分钟", "en": "10 min"},
     "meaning": {"zh": "内圈卡点到位", "en": "inner ring of checkpoints manned"}},
    {"sec": 1200, "label": {"zh": "20分钟", "en": "20 min"},
     "meaning": {"zh": "外圈卡点到位", "en": "outer ring of checkpoints manned"}}]', true);

ALTER TABLE dispositions ADD COLUMN disabled boolean NOT NULL DEFAULT false;
