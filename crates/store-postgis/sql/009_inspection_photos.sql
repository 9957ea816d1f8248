-- Schema version 9 (schema 10 of the GeoPackage): the optional photo of an inspection.
--
-- One photo per inspection at most, written in the same transaction as the inspection and kept
-- forever like it. The bytes are read on demand only, never with the rest of the data. The type is
-- the one its bytes were recognised as (JPEG, PNG or WebP), not the one an upload declared.
CREATE TABLE inspection_photos (
  inspection_id bigint PRIMARY KEY REFERENCES inspections(id) DEFERRABLE INITIALLY DEFERRED,
  mime text NOT NULL CHECK (mime IN ('image/jpeg', 'image/png', 'image/webp')),
  bytes bytea NOT NULL,
  size bigint NOT NULL CHECK (size > 0 AND size <= 5242880 AND size = octet_length(bytes)),
  -- The SHA-256 of the bytes in lower-case hex.
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$')
);
-- The bytes are stored as they are: images are compressed already.
ALTER TABLE inspection_photos ALTER COLUMN bytes SET STORAGE EXTERNAL;

CREATE TRIGGER inspection_photos_no_change BEFORE UPDATE OR DELETE ON inspection_photos
  FOR EACH ROW EXECUTE FUNCTION inspections_append_only();
CREATE TRIGGER inspection_photos_no_truncate BEFORE TRUNCATE ON inspection_photos
  FOR EACH STATEMENT EXECUTE FUNCTION inspections_append_only();

COMMENT ON TABLE inspection_photos IS 'The optional photo of an inspection: its image type, bytes, size and SHA-256';
