-- Serialises migrations of one schema across servers until the transaction ends: a second server
-- starting at the same moment waits here, then finds the schema up to date.
SELECT pg_advisory_xact_lock(1851877223, hashtext($1::text))
