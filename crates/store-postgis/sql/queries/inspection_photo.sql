-- The photo of inspection $1, with its bytes.
SELECT inspection_id, mime, bytes FROM inspection_photos WHERE inspection_id = $1
