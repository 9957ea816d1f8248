-- The sequence number, fingerprint, undone flag and version of every edit of a plan.
SELECT seq, digest, undone, version FROM plan_edits WHERE plan_id = $1
