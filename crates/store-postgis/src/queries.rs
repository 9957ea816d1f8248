//! Every SQL statement the backend runs, read from `sql/queries/*.sql` at compile time.
//!
//! `{table}`, `{schema}` and `{postgis}` in a statement are replaced by a table name or an
//! identifier that the code has checked or quoted; everything else is a bound parameter.

/// Every compound's tier changes, by compound and then oldest first (for migration checks).
pub(crate) const ALL_TIER_HISTORY: &str = include_str!("../sql/queries/all_tier_history.sql");
/// The changes after a data version, oldest first, with their time in milliseconds since the epoch.
pub(crate) const CHANGES_SINCE: &str = include_str!("../sql/queries/changes_since.sql");
/// Installs PostGIS in `public`, so that every wangge schema finds it on its search path.
pub(crate) const CREATE_POSTGIS: &str = include_str!("../sql/queries/create_postgis.sql");
/// Creates the store's schema and points this transaction's search path at it and at PostGIS.
pub(crate) const CREATE_SCHEMA: &str = include_str!("../sql/queries/create_schema.sql");
/// After the deferred foreign keys failed: the first row that refers to a row that does not exist,
/// with the table it refers to and the missing key, so the error can name them.
pub(crate) const DANGLING: &str = include_str!("../sql/queries/dangling.sql");
/// Clears the level configuration before it is written anew (zones are checked at commit).
pub(crate) const DELETE_LEVELS: &str = include_str!("../sql/queries/delete_levels.sql");
/// Deletes edits of a plan by sequence number, and with them their zones.
pub(crate) const DELETE_PLAN_EDITS: &str = include_str!("../sql/queries/delete_plan_edits.sql");
/// Deletes the zones of some edits of a plan, before the edits are written anew.
pub(crate) const DELETE_PLAN_EDIT_ZONES: &str =
    include_str!("../sql/queries/delete_plan_edit_zones.sql");
/// Unlocks zones of a plan.
pub(crate) const DELETE_PLAN_LOCKS: &str = include_str!("../sql/queries/delete_plan_locks.sql");
/// Deletes zones of a plan by id.
pub(crate) const DELETE_PLAN_ZONES: &str = include_str!("../sql/queries/delete_plan_zones.sql");
/// Deletes rows of `{table}` by id.
pub(crate) const DELETE_ROWS: &str = include_str!("../sql/queries/delete_rows.sql");
/// Serialises installing PostGIS in the database, whichever schema the servers use.
pub(crate) const EXTENSION_LOCK: &str = include_str!("../sql/queries/extension_lock.sql");
/// A whole layer, in id order (appended to a select_*.sql).
pub(crate) const FILTER_ALL: &str = include_str!("../sql/queries/filter_all.sql");
/// Records whose bounding box intersects the box ($1, $2)–($3, $4), in id order, paged by $5 and $6
/// (appended to a select_*.sql). The GiST index (`&&`, 32-bit boxes rounded outwards) finds the
/// candidates; the exact 64-bit envelope columns decide, as the GeoPackage backend's headers do.
pub(crate) const FILTER_BBOX: &str = include_str!("../sql/queries/filter_bbox.sql");
/// True when any layer, the chiefs, the partner departments, the tier history, the inspections,
/// the plans, the problems, their steps, the key sites, the vulnerable households or the visits
/// hold a row.
pub(crate) const HOLDS_DATA: &str = include_str!("../sql/queries/holds_data.sql");
/// Records an applied change: its data version, the layers and the box it touched.
pub(crate) const INSERT_CHANGE: &str = include_str!("../sql/queries/insert_change.sql");
/// Appends one inspection, with the data version that records it, and returns its id.
pub(crate) const INSERT_INSPECTION: &str = include_str!("../sql/queries/insert_inspection.sql");
/// Stores the photo of an inspection.
pub(crate) const INSERT_INSPECTION_PHOTO: &str =
    include_str!("../sql/queries/insert_inspection_photo.sql");
/// One zone level, at its place in the hierarchy.
pub(crate) const INSERT_LEVEL: &str = include_str!("../sql/queries/insert_level.sql");
/// Stores a new plan's row and returns the id it was given.
pub(crate) const INSERT_PLAN: &str = include_str!("../sql/queries/insert_plan.sql");
/// One zone an edit replaced or put in place (geometry as hex EWKB text).
pub(crate) const INSERT_PLAN_EDIT_ZONE: &str =
    include_str!("../sql/queries/insert_plan_edit_zone.sql");
/// Locks zones of a plan.
pub(crate) const INSERT_PLAN_LOCKS: &str = include_str!("../sql/queries/insert_plan_locks.sql");
/// Stores a plan's row under the id it has elsewhere (when migrating a store).
pub(crate) const INSERT_PLAN_WITH_ID: &str = include_str!("../sql/queries/insert_plan_with_id.sql");
/// Appends one tier change to a compound's history, with the data version it produced.
pub(crate) const INSERT_TIER_CHANGE: &str = include_str!("../sql/queries/insert_tier_change.sql");
/// The inspections of compound $1, or of every compound when $1 is NULL, oldest first.
pub(crate) const INSPECTIONS: &str = include_str!("../sql/queries/inspections.sql");
/// The photo of inspection $1, with its bytes.
pub(crate) const INSPECTION_PHOTO: &str = include_str!("../sql/queries/inspection_photo.sql");
/// A plan's version, its row locked until the end of the transaction: savers of one plan queue
/// here, so that each compares its expected version with what the previous one committed.
pub(crate) const LOCK_PLAN: &str = include_str!("../sql/queries/lock_plan.sql");
/// The data version, locked until the end of the transaction: writers take this lock first, so they
/// run one after another and each gets the next version.
pub(crate) const LOCK_VERSION: &str = include_str!("../sql/queries/lock_version.sql");
/// One fact about the store.
pub(crate) const META_GET: &str = include_str!("../sql/queries/meta_get.sql");
/// Records one fact about the store.
pub(crate) const META_SET: &str = include_str!("../sql/queries/meta_set.sql");
/// Inserts or replaces one fact about the store.
pub(crate) const META_PUT: &str = include_str!("../sql/queries/meta_put.sql");
/// Serialises migrations of one schema across servers until the transaction ends: a second server
/// starting at the same moment waits here, then finds the schema up to date.
pub(crate) const MIGRATION_LOCK: &str = include_str!("../sql/queries/migration_lock.sql");
/// Tells listening servers about a change; PostgreSQL delivers it only when the transaction
/// commits.
pub(crate) const NOTIFY: &str = include_str!("../sql/queries/notify.sql");
/// The box covering the current geometries of some rows of `{table}`, before a change replaces or
/// deletes them: NULLs when none has one.
pub(crate) const OLD_EXTENT: &str = include_str!("../sql/queries/old_extent.sql");
/// The sequence number, fingerprint, undone flag and version of every edit of a plan.
pub(crate) const PLAN_EDIT_DIGESTS: &str = include_str!("../sql/queries/plan_edit_digests.sql");
/// The id and fingerprint of every zone of a plan.
pub(crate) const PLAN_ZONE_DIGESTS: &str = include_str!("../sql/queries/plan_zone_digests.sql");
/// The schema PostGIS is installed in, if it is installed in this database.
pub(crate) const POSTGIS_SCHEMA: &str = include_str!("../sql/queries/postgis_schema.sql");
/// After plans were stored under given ids: new plans are numbered after the largest.
pub(crate) const RESET_PLAN_IDS: &str = include_str!("../sql/queries/reset_plan_ids.sql");
/// Whether the schema $1 holds a wangge_meta table, and how many tables it holds at all.
pub(crate) const SCHEMA_STATE: &str = include_str!("../sql/queries/schema_state.sql");
/// Every column a Building is read from; the caller appends a filter and an order.
pub(crate) const SELECT_BUILDINGS: &str = include_str!("../sql/queries/select_buildings.sql");
/// Every chief duty.
pub(crate) const SELECT_DUTIES: &str = include_str!("../sql/queries/select_duties.sql");
/// Writes one chief duty.
pub(crate) const UPSERT_DUTY: &str = include_str!("../sql/queries/upsert_duty.sql");
/// Deletes duties by key, chief, building and street.
pub(crate) const DELETE_DUTIES: &str = include_str!("../sql/queries/delete_duties.sql");
/// Every partner department, in id order.
pub(crate) const SELECT_PARTNERS: &str = include_str!("../sql/queries/select_partners.sql");
/// Writes one partner department.
pub(crate) const UPSERT_PARTNER: &str = include_str!("../sql/queries/upsert_partner.sql");
/// The street names partner departments are attached to that no street segment carries.
pub(crate) const PARTNER_STREETS_MISSING: &str =
    include_str!("../sql/queries/partner_streets_missing.sql");
/// Every chief, in id order.
pub(crate) const SELECT_CHIEFS: &str = include_str!("../sql/queries/select_chiefs.sql");
/// Every column a Compound is read from; the caller appends a filter and an order.
pub(crate) const SELECT_COMPOUNDS: &str = include_str!("../sql/queries/select_compounds.sql");
/// The zone levels, top first.
pub(crate) const SELECT_LEVELS: &str = include_str!("../sql/queries/select_levels.sql");
/// One plan's row.
pub(crate) const SELECT_PLAN: &str = include_str!("../sql/queries/select_plan.sql");
/// Every plan, newest first (by id), without zones or history.
pub(crate) const SELECT_PLANS: &str = include_str!("../sql/queries/select_plans.sql");
/// Every edit of a plan, by sequence number.
pub(crate) const SELECT_PLAN_EDITS: &str = include_str!("../sql/queries/select_plan_edits.sql");
/// The zones of every edit of a plan (Zone columns, then sequence number and side), by edit,
/// side and position.
pub(crate) const SELECT_PLAN_EDIT_ZONES: &str =
    include_str!("../sql/queries/select_plan_edit_zones.sql");
/// The locked zone ids of a plan, ascending.
pub(crate) const SELECT_PLAN_LOCKS: &str = include_str!("../sql/queries/select_plan_locks.sql");
/// Every zone of a plan, by id, in the columns a Zone is read from.
pub(crate) const SELECT_PLAN_ZONES: &str = include_str!("../sql/queries/select_plan_zones.sql");
/// Every column a StreetSegment is read from; the caller appends a filter and an order.
pub(crate) const SELECT_STREETS: &str = include_str!("../sql/queries/select_streets.sql");
/// Every column a Zone is read from; the caller appends a filter and an order.
pub(crate) const SELECT_ZONES: &str = include_str!("../sql/queries/select_zones.sql");
/// A compound's tier changes, oldest first.
pub(crate) const TIER_HISTORY: &str = include_str!("../sql/queries/tier_history.sql");
/// Replaces a plan's row.
pub(crate) const UPDATE_PLAN: &str = include_str!("../sql/queries/update_plan.sql");
/// Marks an edit of a plan undone or redone, with the version that did it.
pub(crate) const UPDATE_PLAN_EDIT_FLAGS: &str =
    include_str!("../sql/queries/update_plan_edit_flags.sql");
/// Writes a building whether or not it exists yet (geometry as hex EWKB text, see upsert_zone.sql).
pub(crate) const UPSERT_BUILDING: &str = include_str!("../sql/queries/upsert_building.sql");
/// Writes a street chief whether or not they exist yet.
pub(crate) const UPSERT_CHIEF: &str = include_str!("../sql/queries/upsert_chief.sql");
/// Writes a compound whether or not it exists yet (geometry as hex EWKB text, see upsert_zone.sql).
pub(crate) const UPSERT_COMPOUND: &str = include_str!("../sql/queries/upsert_compound.sql");
/// Writes an edit of a plan whether or not it exists yet, with its fingerprint.
pub(crate) const UPSERT_PLAN_EDIT: &str = include_str!("../sql/queries/upsert_plan_edit.sql");
/// Writes a zone of a plan whether or not it exists yet (geometry as hex EWKB text), with its
/// fingerprint.
pub(crate) const UPSERT_PLAN_ZONE: &str = include_str!("../sql/queries/upsert_plan_zone.sql");
/// Writes a street segment whether or not it exists yet (geometry as hex EWKB text, see
/// upsert_zone.sql).
pub(crate) const UPSERT_STREET: &str = include_str!("../sql/queries/upsert_street.sql");
/// Writes a zone whether or not it exists yet. The geometry comes as hex EWKB text: PostGIS parses
/// that as leniently as the GeoPackage backend stores (its binary input refuses degenerate rings).
pub(crate) const UPSERT_ZONE: &str = include_str!("../sql/queries/upsert_zone.sql");
/// Every zone whose area covers the point ($1, $2), boundary included, top level first, then by id.
pub(crate) const ZONES_CONTAINING: &str = include_str!("../sql/queries/zones_containing.sql");
/// Whether a street chief exists.
pub(crate) const CHIEF_EXISTS: &str = include_str!("../sql/queries/chief_exists.sql");
/// Ends a session.
pub(crate) const DELETE_SESSION: &str = include_str!("../sql/queries/delete_session.sql");
/// Starts a session (token hash, user, expiry), created now.
pub(crate) const INSERT_SESSION: &str = include_str!("../sql/queries/insert_session.sql");
/// Stores a new user and returns its id.
pub(crate) const INSERT_USER: &str = include_str!("../sql/queries/insert_user.sql");
/// One user by exact username.
pub(crate) const SELECT_USER_BY_NAME: &str = include_str!("../sql/queries/select_user_by_name.sql");
/// Every user, by username.
pub(crate) const SELECT_USERS: &str = include_str!("../sql/queries/select_users.sql");
/// The enabled user of a live session.
pub(crate) const SESSION_USER: &str = include_str!("../sql/queries/session_user.sql");
/// Replaces a user's row.
pub(crate) const UPDATE_USER: &str = include_str!("../sql/queries/update_user.sql");
/// Whether a user exists.
pub(crate) const USER_EXISTS: &str = include_str!("../sql/queries/user_exists.sql");
/// Every key site: compounds first, then buildings, by id.
pub(crate) const SELECT_KEY_SITES: &str = include_str!("../sql/queries/select_key_sites.sql");
/// Every vulnerable household, by id.
pub(crate) const SELECT_VULNERABLE: &str = include_str!("../sql/queries/select_vulnerable.sql");
/// Clears the key-site list.
pub(crate) const DELETE_KEY_SITES: &str = include_str!("../sql/queries/delete_key_sites.sql");
/// One key site.
pub(crate) const INSERT_KEY_SITE: &str = include_str!("../sql/queries/insert_key_site.sql");
/// Whether a compound exists.
pub(crate) const COMPOUND_EXISTS: &str = include_str!("../sql/queries/compound_exists.sql");
/// Whether a building exists.
pub(crate) const BUILDING_EXISTS: &str = include_str!("../sql/queries/building_exists.sql");
/// Rewrites a vulnerable household that stays on the list.
pub(crate) const UPDATE_VULNERABLE: &str = include_str!("../sql/queries/update_vulnerable.sql");
/// A new vulnerable household; returns its id.
pub(crate) const INSERT_VULNERABLE: &str = include_str!("../sql/queries/insert_vulnerable.sql");
/// Takes a household off the list.
pub(crate) const DELETE_VULNERABLE: &str = include_str!("../sql/queries/delete_vulnerable.sql");
/// Whether a visit's target is on the lists.
pub(crate) const VISIT_TARGET_EXISTS: &str = include_str!("../sql/queries/visit_target_exists.sql");
/// Appends one visit and returns its id.
pub(crate) const INSERT_VISIT: &str = include_str!("../sql/queries/insert_visit.sql");
/// Visits by a chief since a time, oldest first.
pub(crate) const VISITS: &str = include_str!("../sql/queries/visits.sql");
/// The latest visit of each target.
pub(crate) const LATEST_VISITS: &str = include_str!("../sql/queries/latest_visits.sql");
/// The id of the user holding a username.
pub(crate) const USER_ID_BY_NAME: &str = include_str!("../sql/queries/user_id_by_name.sql");
/// Adds a problem and its report step, returning the problem's id.
pub(crate) const INSERT_PROBLEM: &str = include_str!("../sql/queries/insert_problem.sql");
/// Appends one step of a problem's history.
pub(crate) const INSERT_PROBLEM_STEP: &str = include_str!("../sql/queries/insert_problem_step.sql");
/// Stores a problem under its id elsewhere (when migrating), without its steps.
pub(crate) const INSERT_PROBLEM_WITH_ID: &str =
    include_str!("../sql/queries/insert_problem_with_id.sql");
/// Stores a step of a problem's history under a given row id (when migrating).
pub(crate) const INSERT_PROBLEM_STEP_WITH_ID: &str =
    include_str!("../sql/queries/insert_problem_step_with_id.sql");
/// Stores a vulnerable household under its id elsewhere (when migrating).
pub(crate) const INSERT_VULNERABLE_WITH_ID: &str =
    include_str!("../sql/queries/insert_vulnerable_with_id.sql");
/// Stores a visit under its id elsewhere (when migrating).
pub(crate) const INSERT_VISIT_WITH_ID: &str =
    include_str!("../sql/queries/insert_visit_with_id.sql");
/// After problems, steps, households and visits were stored under given ids: new rows are
/// numbered after the largest (households also after any a visit names).
pub(crate) const RESET_COPIED_IDS: &str = include_str!("../sql/queries/reset_copied_ids.sql");
/// The problems holding any of some work order numbers.
pub(crate) const PROBLEMS_BY_ORDER: &str = include_str!("../sql/queries/problems_by_order.sql");
/// Moves a problem to a new state, level and deadline if it is still where the step started.
pub(crate) const SWAP_PROBLEM: &str = include_str!("../sql/queries/swap_problem.sql");
/// The state and level of one problem.
pub(crate) const PROBLEM_STATE: &str = include_str!("../sql/queries/problem_state.sql");
/// The problems passing a filter, in id order.
pub(crate) const SELECT_PROBLEMS: &str = include_str!("../sql/queries/select_problems.sql");
/// One problem.
pub(crate) const SELECT_PROBLEM: &str = include_str!("../sql/queries/select_problem.sql");
/// The steps of one problem, oldest first.
pub(crate) const SELECT_PROBLEM_STEPS: &str =
    include_str!("../sql/queries/select_problem_steps.sql");
/// Problems per zone code: total, open, escalated.
pub(crate) const PROBLEM_COUNTS: &str = include_str!("../sql/queries/problem_counts.sql");
/// Compounds by hotline work orders, the most first.
pub(crate) const HOTLINE_BY_COMPOUND: &str = include_str!("../sql/queries/hotline_by_compound.sql");
/// Appends one audit entry (before and after as JSON text).
pub(crate) const INSERT_AUDIT: &str = include_str!("../sql/queries/insert_audit.sql");
/// Stores an audit entry under the id it has elsewhere (when migrating).
pub(crate) const INSERT_AUDIT_WITH_ID: &str =
    include_str!("../sql/queries/insert_audit_with_id.sql");
/// Locks the audit log against other writers until the transaction ends, so that ids follow the
/// order of commits.
pub(crate) const LOCK_AUDIT: &str = include_str!("../sql/queries/lock_audit.sql");
/// The audit entries passing a filter, by id (`{order}`: ASC or DESC).
pub(crate) const SELECT_AUDIT: &str = include_str!("../sql/queries/select_audit.sql");
/// How many entries the audit log holds.
pub(crate) const AUDIT_ENTRIES: &str = include_str!("../sql/queries/audit_entries.sql");
