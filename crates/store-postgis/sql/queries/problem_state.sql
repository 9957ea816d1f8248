-- The state and level of one problem.
SELECT state, level FROM problems WHERE id = $1
