-- Records one fact about the store that older stores may not hold yet (e.g. the inspection
-- cadences, kept as JSON).
INSERT INTO wangge_meta (key, value) VALUES ($1, $2)
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value
