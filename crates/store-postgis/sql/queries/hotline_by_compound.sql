-- Compounds by their hotline work orders, the most first (ties by compound id).
SELECT compound_id, count(*)::bigint FROM problems
WHERE source = 'hotline' AND compound_id IS NOT NULL
GROUP BY compound_id
ORDER BY count(*) DESC, compound_id
