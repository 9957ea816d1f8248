-- Every chief duty, by kind, target and level.
SELECT target, kind, level, chief_id, fixed FROM duties ORDER BY kind, target, level
