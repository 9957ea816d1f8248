-- Writes a street chief whether or not they exist yet.
INSERT INTO chiefs (id, name, role, phone, community_id, level)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (id) DO UPDATE SET
  name = EXCLUDED.name, role = EXCLUDED.role, phone = EXCLUDED.phone,
  community_id = EXCLUDED.community_id, level = EXCLUDED.level
