-- The street names partner departments are attached to that no street segment carries.
SELECT DISTINCT p.street FROM street_partners p
WHERE NOT EXISTS (SELECT 1 FROM streets s WHERE s.name = p.street)
