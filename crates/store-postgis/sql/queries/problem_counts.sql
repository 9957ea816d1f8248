-- Problems per zone code: each problem counts for its grid, its community and its sub-district,
-- once per distinct code (where no grids are drawn the grid is the community itself).
SELECT code, count(*)::bigint, count(*) FILTER (WHERE open)::bigint,
       count(*) FILTER (WHERE open AND level <> 'chief')::bigint
FROM (
  SELECT grid_code AS code, state IN ('reported', 'accepted', 'in_progress') AS open, level
    FROM problems WHERE grid_code IS NOT NULL
  UNION ALL
  SELECT community_code, state IN ('reported', 'accepted', 'in_progress'), level
    FROM problems
    WHERE community_code IS NOT NULL AND community_code IS DISTINCT FROM grid_code
  UNION ALL
  SELECT subdistrict_code, state IN ('reported', 'accepted', 'in_progress'), level
    FROM problems
    WHERE subdistrict_code IS NOT NULL AND subdistrict_code IS DISTINCT FROM grid_code
      AND subdistrict_code IS DISTINCT FROM community_code
) AS codes
GROUP BY code
ORDER BY code
