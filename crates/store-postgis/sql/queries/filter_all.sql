-- A whole layer, in id order (appended to a select_*.sql).
ORDER BY id
