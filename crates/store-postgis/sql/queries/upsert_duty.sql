-- Writes a chief duty whether or not one exists yet for its kind, target and level.
INSERT INTO duties (kind, target, level, chief_id, fixed) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (kind, target, level) DO UPDATE SET chief_id = EXCLUDED.chief_id, fixed = EXCLUDED.fixed
