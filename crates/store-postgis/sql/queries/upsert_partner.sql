-- Writes a partner department whether or not it exists yet.
INSERT INTO street_partners (id, street, department, department_name, contact, phone, note)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (id) DO UPDATE SET
  street = EXCLUDED.street, department = EXCLUDED.department,
  department_name = EXCLUDED.department_name, contact = EXCLUDED.contact,
  phone = EXCLUDED.phone, note = EXCLUDED.note
