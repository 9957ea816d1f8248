-- Stores a step of a problem's history under a given row id (when migrating a store: the ids
-- keep the steps in the order the source gave them).
INSERT INTO problem_steps (id, problem_id, at_ms, by_name, action, from_state, to_state,
                           from_level, to_level, deadline_ms, note)
OVERRIDING SYSTEM VALUE
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
