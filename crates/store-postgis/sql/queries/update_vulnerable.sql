-- Rewrites a vulnerable household that stays on the list (same building and door).
UPDATE vulnerable_households SET category = $2, contact = $3 WHERE id = $1
