-- Records one fact about the store.
UPDATE wangge_meta SET value = $2 WHERE key = $1
