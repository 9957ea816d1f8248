-- True when any layer, the chiefs, the partner departments, the tier history, the inspections or
-- the plans hold a row.
SELECT EXISTS (SELECT 1 FROM zones) OR EXISTS (SELECT 1 FROM compounds)
    OR EXISTS (SELECT 1 FROM buildings) OR EXISTS (SELECT 1 FROM streets)
    OR EXISTS (SELECT 1 FROM chiefs) OR EXISTS (SELECT 1 FROM street_partners)
    OR EXISTS (SELECT 1 FROM tier_changes)
    OR EXISTS (SELECT 1 FROM inspections) OR EXISTS (SELECT 1 FROM plans)
