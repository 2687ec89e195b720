// The RIS's tables, in the order they came: every part of the domain (patients, the
// catalogue) migrates the one list, so that whichever opens first brings all of them.
#include "ris/schema.hpp"

namespace vireo::ris {

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> list = {
      {1,
       "patients of the RIS, and its counters (MRN)",
       {
           "CREATE TABLE ris_patients (id ${PK}, mrn TEXT NOT NULL, mrn_issuer TEXT NOT NULL, "
           "family_name TEXT NOT NULL, given_name TEXT NOT NULL, middle_name TEXT NOT NULL, "
           "name_prefix TEXT NOT NULL, name_suffix TEXT NOT NULL, family_key ${KEY} NOT NULL, "
           "given_key ${KEY} NOT NULL, family_sound ${KEY} NOT NULL, birth_date TEXT NOT NULL, sex "
           "TEXT NOT NULL, phone TEXT NOT "
           "NULL, "
           "phone_key ${KEY} NOT NULL, email TEXT NOT NULL, address TEXT NOT NULL, national_id "
           "TEXT NOT NULL, "
           "national_id_key TEXT NOT NULL, insurance_number TEXT NOT NULL, allergies TEXT NOT "
           "NULL, "
           "contrast_allergy INTEGER NOT NULL, notes TEXT NOT NULL, version INTEGER NOT NULL, "
           "created_at TEXT NOT NULL, created_by TEXT NOT NULL, updated_at TEXT NOT NULL, "
           "updated_by TEXT NOT NULL, UNIQUE (mrn_issuer, mrn))",
           "CREATE INDEX ris_patients_by_name ON ris_patients (family_key, given_key, id)",
           "CREATE INDEX ris_patients_by_mrn ON ris_patients (mrn)",
           "CREATE INDEX ris_patients_by_birth_date ON ris_patients (birth_date, family_sound)",
           "CREATE INDEX ris_patients_by_national_id ON ris_patients (national_id_key)",
           "CREATE INDEX ris_patients_by_phone ON ris_patients (phone_key)",
           "CREATE TABLE ris_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
       }},
      {2,
       "the procedure catalogue, rooms with their opening hours, closures",
       {
           "CREATE TABLE ris_procedures (id ${PK}, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL, "
           "modality TEXT NOT NULL, body_part TEXT NOT NULL, duration_minutes INTEGER NOT NULL, "
           "preparation TEXT NOT NULL, consent_types TEXT NOT NULL, report_template TEXT NOT "
           "NULL, price_cents INTEGER NOT NULL, needs_radiologist INTEGER NOT NULL, "
           "needs_contrast_technician INTEGER NOT NULL, daily_limit INTEGER NOT NULL, active "
           "INTEGER NOT NULL, version INTEGER NOT NULL, updated_at TEXT NOT NULL, updated_by "
           "TEXT NOT NULL)",
           "CREATE INDEX ris_procedures_by_modality ON ris_procedures (modality, name)",
           "CREATE TABLE ris_rooms (id ${PK}, name TEXT NOT NULL UNIQUE, modality TEXT NOT NULL, "
           "ae_title TEXT NOT NULL, active INTEGER NOT NULL, version INTEGER NOT NULL, updated_at "
           "TEXT NOT NULL, updated_by TEXT NOT NULL)",
           "CREATE TABLE ris_room_hours (room_id INTEGER NOT NULL, weekday INTEGER NOT NULL, "
           "opens TEXT NOT NULL, closes TEXT NOT NULL, PRIMARY KEY (room_id, weekday, opens))",
           "CREATE TABLE ris_closures (id ${PK}, room_id INTEGER NOT NULL, starts_on TEXT NOT "
           "NULL, ends_on TEXT NOT NULL, reason TEXT NOT NULL, created_at TEXT NOT NULL, "
           "created_by TEXT NOT NULL)",
           "CREATE INDEX ris_closures_by_day ON ris_closures (ends_on, starts_on)",
       }},
      {3,
       "orders with their accession numbers and procedures",
       {
           "CREATE TABLE ris_orders (id ${PK}, patient_id INTEGER NOT NULL, accession_number TEXT "
           "NOT NULL UNIQUE, priority TEXT NOT NULL, reason TEXT NOT NULL, clinical_info TEXT NOT "
           "NULL, referring_physician TEXT NOT NULL, requesting_department TEXT NOT NULL, status "
           "TEXT NOT NULL, cancel_reason TEXT NOT NULL, version INTEGER NOT NULL, created_at TEXT "
           "NOT NULL, created_by TEXT NOT NULL, updated_at TEXT NOT NULL, updated_by TEXT NOT "
           "NULL)",
           "CREATE INDEX ris_orders_by_patient ON ris_orders (patient_id, id)",
           "CREATE INDEX ris_orders_by_status ON ris_orders (status, id)",
           "CREATE TABLE ris_order_procedures (order_id INTEGER NOT NULL, position INTEGER NOT "
           "NULL, procedure_id INTEGER NOT NULL, PRIMARY KEY (order_id, position))",
       }},
      {4,
       "appointments, the staff they may need, a buffer after each exam in a room",
       {
           "ALTER TABLE ris_rooms ADD COLUMN buffer_minutes INTEGER NOT NULL DEFAULT 0",
           "CREATE TABLE ris_staff (id ${PK}, username TEXT NOT NULL UNIQUE, display_name TEXT NOT "
           "NULL, radiologist INTEGER NOT NULL, contrast_technician INTEGER NOT NULL, active "
           "INTEGER NOT NULL, version INTEGER NOT NULL, updated_at TEXT NOT NULL, updated_by TEXT "
           "NOT NULL)",
           // busy_until: the end plus the room's buffer, what the room is taken until.
           "CREATE TABLE ris_appointments (id ${PK}, order_id INTEGER NOT NULL, room_id INTEGER "
           "NOT NULL, starts_at TEXT NOT NULL, ends_at TEXT NOT NULL, busy_until TEXT NOT NULL, "
           "radiologist_id INTEGER NOT NULL, technician_id INTEGER NOT NULL, status TEXT NOT "
           "NULL, cancel_reason TEXT NOT NULL, arrived_at TEXT NOT NULL, version INTEGER NOT "
           "NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL, updated_at TEXT NOT NULL, "
           "updated_by TEXT NOT NULL)",
           "CREATE INDEX ris_appointments_by_room ON ris_appointments (room_id, starts_at)",
           "CREATE INDEX ris_appointments_by_time ON ris_appointments (starts_at)",
           "CREATE INDEX ris_appointments_by_order ON ris_appointments (order_id, id)",
       }},
      {5,
       "the radiologist an order's images are assigned to, and the clinic's RIS settings",
       {
           "ALTER TABLE ris_orders ADD COLUMN reader_id INTEGER NOT NULL DEFAULT 0",
           "ALTER TABLE ris_orders ADD COLUMN reader_assigned_at TEXT NOT NULL DEFAULT ''",
           "CREATE INDEX ris_orders_by_reader ON ris_orders (reader_id, status)",
           "CREATE TABLE ris_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at "
           "TEXT NOT NULL, updated_by TEXT NOT NULL)",
       }},
      {6,
       "appointment requests from patients and referrers",
       {
           "CREATE TABLE ris_appointment_requests (id ${PK}, order_id INTEGER NOT NULL, patient_id "
           "INTEGER NOT NULL, source TEXT NOT NULL, preferred_from TEXT NOT NULL, preferred_to "
           "TEXT NOT NULL, preferred_time TEXT NOT NULL, note TEXT NOT NULL, status TEXT NOT "
           "NULL, decline_reason TEXT NOT NULL, appointment_id INTEGER NOT NULL, version INTEGER "
           "NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL, updated_at TEXT NOT "
           "NULL, updated_by TEXT NOT NULL)",
           "CREATE INDEX ris_requests_by_status ON ris_appointment_requests (status, id)",
           "CREATE INDEX ris_requests_by_order ON ris_appointment_requests (order_id, status)",
       }},
      {7,
       "patients merged into one another, what each merge moved, so that it can be undone",
       {
           "ALTER TABLE ris_patients ADD COLUMN merged_into INTEGER NOT NULL DEFAULT 0",
           "CREATE TABLE ris_patient_merges (id ${PK}, source_id INTEGER NOT NULL, target_id "
           "INTEGER NOT NULL, reason TEXT NOT NULL, status TEXT NOT NULL, version INTEGER NOT "
           "NULL, merged_at TEXT NOT NULL, merged_by TEXT NOT NULL, undone_at TEXT NOT NULL, "
           "undone_by TEXT NOT NULL, undo_reason TEXT NOT NULL, carried_allergies TEXT NOT NULL, "
           "carried_contrast INTEGER NOT NULL)",
           "CREATE INDEX ris_merges_by_source ON ris_patient_merges (source_id, id)",
           "CREATE INDEX ris_merges_by_target ON ris_patient_merges (target_id, id)",
           // kind: order or request; item_id: its id; item_version: its version once moved (an
           // order changed since is no longer the merge's to give back).
           "CREATE TABLE ris_patient_merge_moves (merge_id INTEGER NOT NULL, kind TEXT NOT NULL, "
           "item_id INTEGER NOT NULL, item_version INTEGER NOT NULL, PRIMARY KEY (merge_id, kind, "
           "item_id))",
       }},
      {8,
       "each order's referring physician as a key, for the physician's own view",
       {
           // Filled by Orders::open for the orders made before (physician_key is C++).
           "ALTER TABLE ris_orders ADD COLUMN referring_key TEXT NOT NULL DEFAULT ''",
           "CREATE INDEX ris_orders_by_referrer ON ris_orders (referring_key, id)",
       }},
      {9,
       "at most one pending appointment request per order, held by the database as well",
       {
           // Schedule::request checks it in its write job; the index makes a second
           // one impossible whatever writes the table. (Should a table hold two, the newer
           // stays pending.)
           "UPDATE ris_appointment_requests SET status = 'declined', decline_reason = 'A newer "
           "request for the same order was waiting' WHERE status = 'pending' AND id NOT IN "
           "(SELECT MAX(id) FROM ris_appointment_requests WHERE status = 'pending' GROUP BY "
           "order_id)",
           "CREATE UNIQUE INDEX ris_requests_one_pending ON ris_appointment_requests (order_id) "
           "WHERE status = 'pending'",
       }},
      {10,
       "each order's Study Instance UID, chosen before the images exist (modality worklist)",
       {
           // Filled by Orders::open for the orders made before (UIDs are made in C++).
           "ALTER TABLE ris_orders ADD COLUMN study_uid TEXT NOT NULL DEFAULT ''",
           "CREATE INDEX ris_orders_by_study ON ris_orders (study_uid)",
       }},
      {11,
       "what the scanners report they performed (MPPS)",
       {
           // series: one line per series made, "uid<TAB>modality<TAB>description<TAB>images".
           "CREATE TABLE ris_performed_steps (uid TEXT PRIMARY KEY, order_id INTEGER NOT NULL, "
           "appointment_id INTEGER NOT NULL, status TEXT NOT NULL, station_aet TEXT NOT NULL, "
           "series TEXT NOT NULL, discontinued_reason TEXT NOT NULL, version INTEGER NOT NULL, "
           "created_at TEXT NOT NULL, updated_at TEXT NOT NULL)",
           "CREATE INDEX ris_performed_by_order ON ris_performed_steps (order_id, created_at)",
       }},
      {12,
       "studies that arrived without an order to link them to, or naming another patient than it",
       {
           "CREATE TABLE ris_unmatched_studies (id ${PK}, study_uid TEXT NOT NULL UNIQUE, patient_id "
           "TEXT NOT NULL, issuer TEXT NOT NULL, accession TEXT NOT NULL, patient_name TEXT NOT "
           "NULL, birth_date TEXT NOT NULL, modalities TEXT NOT NULL, study_date TEXT NOT NULL, "
           "reason TEXT NOT NULL, order_id INTEGER NOT NULL, created_at TEXT NOT NULL, "
           // Set by staff's decision (reconcile), until the corrected study links.
           "reconciled_to INTEGER NOT NULL DEFAULT 0, reconciled_by TEXT NOT NULL DEFAULT '', "
           "reconciled_at TEXT NOT NULL DEFAULT '')",
       }},
      {13,
       "the scheduled steps as Unified Procedure Step workitems (UPS-RS): their UIDs, claims, "
       "cancellation requests and subscriptions",
       {
           // Made with each booking; filled by Workitems::open for the bookings still open.
           "ALTER TABLE ris_appointments ADD COLUMN workitem_uid TEXT NOT NULL DEFAULT ''",
           "CREATE INDEX ris_appointments_by_workitem ON ris_appointments (workitem_uid)",
           // One row per workitem a performer claimed, or whose cancellation was asked for.
           "CREATE TABLE ris_workitems (appointment_id INTEGER PRIMARY KEY, transaction_uid TEXT NOT "
           "NULL, performer TEXT NOT NULL, claimed_at TEXT NOT NULL, cancel_requested_at TEXT NOT "
           "NULL, cancel_requested_by TEXT NOT NULL, cancel_reason TEXT NOT NULL, contact_name "
           "TEXT NOT NULL, contact_uri TEXT NOT NULL, updated_at TEXT NOT NULL)",
           // kind: workitem (one workitem_uid), global (every workitem), filtered (those the
           // filter, a UPS-RS query string, matches). suspended_at: a global subscription that
           // takes no new workitems after it.
           "CREATE TABLE ris_workitem_subscriptions (id ${PK}, ae_title TEXT NOT NULL, kind TEXT "
           "NOT NULL, workitem_uid TEXT NOT NULL, filter TEXT NOT NULL, deletion_lock INTEGER NOT "
           "NULL, suspended_at TEXT NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL)",
           "CREATE UNIQUE INDEX ris_workitem_subscriptions_one ON ris_workitem_subscriptions "
           "(ae_title, kind, workitem_uid)",
           "CREATE INDEX ris_workitem_subscriptions_by_workitem ON ris_workitem_subscriptions "
           "(workitem_uid)",
       }},
      {14,
       "a room's scanner may be offered its own room's steps only, however loosely it asks",
       {
           "ALTER TABLE ris_rooms ADD COLUMN worklist_own_only INTEGER NOT NULL DEFAULT 0",
       }},
      {15,
       "when an order's images arrived and were linked to it",
       {
           "ALTER TABLE ris_orders ADD COLUMN images_at TEXT NOT NULL DEFAULT ''",
       }},
      {16,
       "who is reading an exam and since when, and when its images were acquired",
       {
           "ALTER TABLE ris_orders ADD COLUMN reading_by TEXT NOT NULL DEFAULT ''",
           "ALTER TABLE ris_orders ADD COLUMN reading_since TEXT NOT NULL DEFAULT ''",
           "ALTER TABLE ris_orders ADD COLUMN acquired_at TEXT NOT NULL DEFAULT ''",
           "UPDATE ris_orders SET acquired_at = CASE WHEN images_at <> '' THEN images_at ELSE "
           "updated_at END WHERE status IN ('acquired', 'in_reading', 'preliminary', 'final', "
           "'released', 'delivered', 'amended')",
           "CREATE INDEX ris_orders_waiting ON ris_orders (status, priority, acquired_at)",
       }},
      {17,
       "the modalities each radiologist reads (empty: all)",
       {
           "ALTER TABLE ris_staff ADD COLUMN reads_modalities TEXT NOT NULL DEFAULT ''",
       }},
      {18,
       "the site of each room, and the sites each radiologist reads (empty: all; one per line)",
       {
           "ALTER TABLE ris_rooms ADD COLUMN site TEXT NOT NULL DEFAULT ''",
           "ALTER TABLE ris_staff ADD COLUMN reads_sites TEXT NOT NULL DEFAULT ''",
       }},
  };
  return list;
}

}  // namespace vireo::ris
