-- Whether the schema $1 holds a wangge_meta table, and how many tables it holds at all.
SELECT to_regclass(format('%I.wangge_meta', $1::text)) IS NOT NULL,
       (SELECT count(*) FROM pg_tables WHERE schemaname = $1::text)
