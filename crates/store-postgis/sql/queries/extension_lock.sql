-- Serialises installing PostGIS in the database, whichever schema the servers use.
SELECT pg_advisory_xact_lock(1851877223, 0)
