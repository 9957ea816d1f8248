-- Schema version 5: household targets on zone levels, and chief duties.
--
-- A grid level drawn by households carries its target (households_min..households_max); a level
-- without one copies its parent. Stores made before kept the targets in code: the defaults
-- (secondary 300..500, micro 30..80) are written in here so they behave as before.
ALTER TABLE zone_levels ADD COLUMN households_min INTEGER CHECK (households_min >= 0);
ALTER TABLE zone_levels ADD COLUMN households_max INTEGER CHECK (households_max >= 1);
UPDATE zone_levels SET households_min = 300, households_max = 500 WHERE key = 'secondary';
UPDATE zone_levels SET households_min = 30, households_max = 80 WHERE key = 'micro';

-- Who answers for what: one chief per building or street segment per chief level (居民街长,
-- 社区街长, 街道街长). `target` is a building id or a street id, by `kind`. A fixed duty was set by a
-- person and is never moved by automatic assignment. Duties of deleted chiefs, buildings and
-- streets are deleted with them (by the store, in the same transaction).
CREATE TABLE duties (
  kind TEXT NOT NULL CHECK (kind IN ('building', 'street')),
  target INTEGER NOT NULL,
  level TEXT NOT NULL CHECK (level IN ('resident', 'community', 'subdistrict')),
  chief_id INTEGER NOT NULL REFERENCES chiefs(id) DEFERRABLE INITIALLY DEFERRED,
  fixed INTEGER NOT NULL DEFAULT 0 CHECK (fixed IN (0, 1)),
  PRIMARY KEY (kind, target, level)
);
CREATE INDEX duties_chief ON duties(chief_id);
