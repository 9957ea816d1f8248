-- Every partner department, in id order.
SELECT id, street, department, department_name, contact, phone, note FROM street_partners ORDER BY id
