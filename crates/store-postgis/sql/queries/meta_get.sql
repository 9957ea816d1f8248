-- One fact about the store.
SELECT value FROM wangge_meta WHERE key = $1
