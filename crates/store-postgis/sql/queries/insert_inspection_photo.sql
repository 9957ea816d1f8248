-- Stores the photo of inspection $1: its type, bytes, size and SHA-256 in hex.
INSERT INTO inspection_photos (inspection_id, mime, bytes, size, sha256)
VALUES ($1, $2, $3, $4, $5)
