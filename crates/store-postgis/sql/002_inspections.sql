-- Schema version 2: inspections of compounds, kept forever like tier history.
--
-- Findings are columns, two per topic, as in the GeoPackage: `<topic>_ok` is true (in order),
-- false (a problem) or NULL (not looked at), and `<topic>_note` is what was seen.

CREATE TABLE inspections (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  compound_id bigint NOT NULL REFERENCES compounds(id) DEFERRABLE INITIALLY DEFERRED,
  inspector text NOT NULL,
  role text NOT NULL,
  at_ms bigint NOT NULL,
  rentals_ok boolean,
  rentals_note text,
  sanitation_ok boolean,
  sanitation_note text,
  public_order_ok boolean,
  public_order_note text,
  fire_safety_ok boolean,
  fire_safety_note text,
  epidemic_ok boolean,
  epidemic_note text,
  suggested_tier text,
  -- The data version that recorded the inspection.
  version bigint NOT NULL
);
CREATE INDEX inspections_compound ON inspections (compound_id, at_ms, id);
CREATE INDEX inspections_at ON inspections (at_ms, id);

-- Inspections are kept forever: rows can be added, never changed or removed.
CREATE FUNCTION inspections_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'inspections cannot be edited or deleted (%), they are kept forever', TG_OP
    USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER inspections_no_change BEFORE UPDATE OR DELETE ON inspections
  FOR EACH ROW EXECUTE FUNCTION inspections_append_only();
CREATE TRIGGER inspections_no_truncate BEFORE TRUNCATE ON inspections
  FOR EACH STATEMENT EXECUTE FUNCTION inspections_append_only();

COMMENT ON TABLE inspections IS 'Inspections of compounds: who, when, findings per topic (rentals, sanitation, public order, fire safety, epidemic control)';
