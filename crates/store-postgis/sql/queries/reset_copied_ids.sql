-- After problems, their steps, vulnerable households, visits and audit entries were stored under
-- given ids: new rows are numbered after the largest. A household id is also never given again
-- when a visit still names it (a household taken off the list keeps its visits), so the
-- households are numbered after the largest household id any visit names as well. A table with
-- nothing to number after keeps its sequence as it is.
SELECT
  (SELECT setval(pg_get_serial_sequence('problems', 'id'), m)
   FROM (SELECT max(id) AS m FROM problems) AS s WHERE m IS NOT NULL),
  (SELECT setval(pg_get_serial_sequence('problem_steps', 'id'), m)
   FROM (SELECT max(id) AS m FROM problem_steps) AS s WHERE m IS NOT NULL),
  (SELECT setval(pg_get_serial_sequence('vulnerable_households', 'id'), m)
   FROM (SELECT greatest((SELECT max(id) FROM vulnerable_households),
                         (SELECT max(target_id) FROM visits WHERE target_kind = 'household'))
         AS m) AS s
   WHERE m IS NOT NULL),
  (SELECT setval(pg_get_serial_sequence('visits', 'id'), m)
   FROM (SELECT max(id) AS m FROM visits) AS s WHERE m IS NOT NULL),
  (SELECT setval(pg_get_serial_sequence('wangge_audit', 'id'), m)
   FROM (SELECT max(id) AS m FROM wangge_audit) AS s WHERE m IS NOT NULL)
