-- The problems holding any of the work order numbers $1, with their numbers.
SELECT order_no, id FROM problems WHERE order_no = ANY($1::text[]) ORDER BY id
