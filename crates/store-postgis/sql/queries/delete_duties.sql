-- Deletes duties: by key ($1 kinds, $2 targets, $3 levels, zipped), those of the chiefs $4, of the
-- buildings $5 and of the streets $6.
DELETE FROM duties d
WHERE (d.kind, d.target, d.level) IN (SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[]))
   OR d.chief_id = ANY($4)
   OR (d.kind = 'building' AND d.target = ANY($5))
   OR (d.kind = 'street' AND d.target = ANY($6))
