-- Moves problem $1 to state $2, level $3 and deadline $4 if it is still in state $5 at level $6.
UPDATE problems SET state = $2, level = $3, deadline_ms = $4
WHERE id = $1 AND state = $5 AND level = $6
