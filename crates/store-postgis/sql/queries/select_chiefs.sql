-- Every chief, in id order.
SELECT id, name, role, phone, community_id, level FROM chiefs ORDER BY id
