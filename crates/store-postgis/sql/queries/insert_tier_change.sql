-- Appends one tier change to a compound's history, with the data version it produced.
INSERT INTO tier_changes (compound_id, from_tier, to_tier, reason, changed_by, at_ms, version)
VALUES ($1, $2, $3, $4, $5, $6, $7)
