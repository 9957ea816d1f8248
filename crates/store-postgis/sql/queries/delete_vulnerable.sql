-- Takes a household off the list.
DELETE FROM vulnerable_households WHERE id = $1
