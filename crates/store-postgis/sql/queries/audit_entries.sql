-- How many entries the audit log holds.
SELECT count(*) FROM wangge_audit
