-- The steps of one problem, oldest first, with each row's id last.
SELECT problem_id, at_ms, by_name, action, from_state, to_state, from_level, to_level,
       deadline_ms, note, id
FROM problem_steps WHERE problem_id = $1 ORDER BY id
