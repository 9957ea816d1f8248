-- After the deferred foreign keys failed: the first row that refers to a row that does not exist,
-- with the table it refers to and the missing key, so the error can name them.
SELECT * FROM (
  SELECT 'buildings' AS tab, b.id, 'compounds' AS parent, b.compound_id::text AS missing
  FROM buildings b
  WHERE b.compound_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM compounds c WHERE c.id = b.compound_id)
  UNION ALL
  SELECT 'zones', z.id, 'zones', z.parent_id::text
  FROM zones z
  WHERE z.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM zones p WHERE p.id = z.parent_id)
  UNION ALL
  SELECT 'zones', z.id, 'zone_levels', z.level
  FROM zones z
  WHERE NOT EXISTS (SELECT 1 FROM zone_levels l WHERE l.key = z.level)
  UNION ALL
  SELECT 'chiefs', c.id, 'zones', c.community_id::text
  FROM chiefs c
  WHERE c.community_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM zones z WHERE z.id = c.community_id)
  UNION ALL
  SELECT 'users', u.id, 'chiefs', u.chief_id::text
  FROM users u
  WHERE u.chief_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM chiefs c WHERE c.id = u.chief_id)
  UNION ALL
  SELECT 'tier_changes', t.id, 'compounds', t.compound_id::text
  FROM tier_changes t
  WHERE NOT EXISTS (SELECT 1 FROM compounds c WHERE c.id = t.compound_id)
  UNION ALL
  SELECT 'inspections', i.id, 'compounds', i.compound_id::text
  FROM inspections i
  WHERE NOT EXISTS (SELECT 1 FROM compounds c WHERE c.id = i.compound_id)
) AS dangling
ORDER BY tab, id
LIMIT 1
