-- Taken just before a transaction appends to the audit log, and held until it ends: writers of
-- entries queue here, so ids are given in the order the transactions commit and a reader paging
-- by id never misses an entry that commits later. Plain reads are not blocked. Nothing takes
-- another lock after this one, so it cannot deadlock.
LOCK TABLE wangge_audit IN EXCLUSIVE MODE
