-- Schema version 7: partner departments of the street-chief system (联动部门 / 共建单位).
--
-- A partner is attached to a named street: `street` is the name its segments carry in
-- `streets.name`, not a segment id, because a department answers for the whole street. Streets are
-- not referenced by a foreign key, so the store checks after every change that touches partners or
-- streets that each partner's street still has a segment, and that no street has one department
-- twice (the words come from wangge-core's `check_partners`). Not a GeoPackage feature table.
CREATE TABLE street_partners (
  id INTEGER PRIMARY KEY NOT NULL,
  street TEXT NOT NULL CHECK (length(street) > 0),
  department TEXT NOT NULL CHECK (department IN ('market_supervision', 'law_enforcement',
    'police', 'fire_rescue', 'housing', 'sanitation', 'health', 'emergency', 'other')),
  department_name TEXT,
  contact TEXT NOT NULL,
  phone TEXT NOT NULL,
  note TEXT
);
CREATE INDEX street_partners_street ON street_partners(street);
-- Finding a partner's street by name.
CREATE INDEX streets_name ON streets(name);
