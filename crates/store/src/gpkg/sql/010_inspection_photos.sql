-- Schema version 10: the optional photo of an inspection.
--
-- One photo per inspection at most, written in the same transaction as the inspection and kept
-- forever like it. The bytes are read on demand only, never with the rest of the data. The type is
-- the one its bytes were recognised as (JPEG, PNG or WebP), not the one an upload declared.
CREATE TABLE inspection_photos (
  inspection_id INTEGER PRIMARY KEY REFERENCES inspections(id) DEFERRABLE INITIALLY DEFERRED,
  mime TEXT NOT NULL CHECK (mime IN ('image/jpeg', 'image/png', 'image/webp')),
  bytes BLOB NOT NULL,
  size INTEGER NOT NULL CHECK (size > 0 AND size <= 5242880 AND size = length(bytes)),
  -- The SHA-256 of the bytes in lower-case hex.
  sha256 TEXT NOT NULL CHECK (length(sha256) = 64)
);

CREATE TRIGGER inspection_photos_no_update BEFORE UPDATE ON inspection_photos
BEGIN
  SELECT RAISE(ABORT, 'inspection photos cannot be edited');
END;
CREATE TRIGGER inspection_photos_no_delete BEFORE DELETE ON inspection_photos
BEGIN
  SELECT RAISE(ABORT, 'inspection photos cannot be deleted');
END;

INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES
  ('inspection_photos', 'attributes', 'inspection_photos', 'The optional photo of an inspection: its image type, bytes, size and SHA-256', NULL);
