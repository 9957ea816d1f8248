-- True when any layer, the chiefs, the partner departments, the tier history, the inspections,
-- the plans, the problems (or their steps), the key sites, the vulnerable households or the
-- visits hold a row.
SELECT EXISTS (SELECT 1 FROM zones) OR EXISTS (SELECT 1 FROM compounds)
    OR EXISTS (SELECT 1 FROM buildings) OR EXISTS (SELECT 1 FROM streets)
    OR EXISTS (SELECT 1 FROM chiefs) OR EXISTS (SELECT 1 FROM street_partners)
    OR EXISTS (SELECT 1 FROM tier_changes)
    OR EXISTS (SELECT 1 FROM inspections) OR EXISTS (SELECT 1 FROM plans)
    OR EXISTS (SELECT 1 FROM problems) OR EXISTS (SELECT 1 FROM problem_steps)
    OR EXISTS (SELECT 1 FROM key_sites) OR EXISTS (SELECT 1 FROM vulnerable_households)
    OR EXISTS (SELECT 1 FROM visits)
