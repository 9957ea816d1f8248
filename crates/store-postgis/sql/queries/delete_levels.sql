-- Clears the level configuration before it is written anew (zones are checked at commit).
DELETE FROM zone_levels
