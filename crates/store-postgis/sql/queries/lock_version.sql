-- The data version, locked until the end of the transaction: writers take this lock first, so they
-- run one after another and each gets the next version.
SELECT value FROM wangge_meta WHERE key = 'data_version' FOR UPDATE
