-- A plan's version, its row locked until the end of the transaction: savers of one plan queue here,
-- so that each compares its expected version with what the previous one committed.
SELECT version FROM plans WHERE id = $1 FOR UPDATE
