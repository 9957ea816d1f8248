-- Appends one step of a problem's history.
INSERT INTO problem_steps (problem_id, at_ms, by_name, action, from_state, to_state, from_level,
                           to_level, deadline_ms, note)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
