#include "archive/schema.hpp"

namespace vireo::archive {

// Every C-FIND/QIDO matching key has a column and an index; person names also in the
// normalised form (upper case, accents folded) so that case-insensitive and prefix
// wildcard searches use the index. Aggregates (counts, modalities) are kept at ingest.
const std::vector<Migration>& schema_migrations() {
  static const std::vector<Migration> migrations = {
      {1,
       "archive index: patients, studies, series, instances",
       {
           R"(CREATE TABLE patients (
                id ${PK},
                patient_id TEXT NOT NULL DEFAULT '',
                issuer TEXT NOT NULL DEFAULT '',
                patient_name TEXT, patient_name_norm TEXT,
                birth_date TEXT, sex TEXT,
                num_studies INTEGER NOT NULL DEFAULT 0,
                num_series INTEGER NOT NULL DEFAULT 0,
                num_instances INTEGER NOT NULL DEFAULT 0,
                UNIQUE (patient_id, issuer)))",
           "CREATE INDEX patients_name_norm ON patients (patient_name_norm)",
           "CREATE INDEX patients_birth_date ON patients (birth_date)",
           R"(CREATE TABLE studies (
                id ${PK},
                patient_fk INTEGER NOT NULL REFERENCES patients (id),
                study_uid TEXT NOT NULL UNIQUE,
                study_date TEXT, study_time TEXT, accession_number TEXT, study_id TEXT,
                study_description TEXT, referring_physician TEXT, referring_physician_norm TEXT,
                modalities TEXT NOT NULL DEFAULT '',
                num_series INTEGER NOT NULL DEFAULT 0,
                num_instances INTEGER NOT NULL DEFAULT 0,
                created_at TEXT NOT NULL))",
           "CREATE INDEX studies_patient ON studies (patient_fk)",
           "CREATE INDEX studies_date ON studies (study_date, study_time)",
           "CREATE INDEX studies_accession ON studies (accession_number)",
           "CREATE INDEX studies_study_id ON studies (study_id)",
           "CREATE INDEX studies_referring ON studies (referring_physician_norm)",
           "CREATE INDEX studies_description ON studies (study_description)",
           R"(CREATE TABLE study_modalities (
                study_fk INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
                modality TEXT NOT NULL,
                PRIMARY KEY (study_fk, modality)))",
           "CREATE INDEX study_modalities_modality ON study_modalities (modality, study_fk)",
           R"(CREATE TABLE series (
                id ${PK},
                study_fk INTEGER NOT NULL REFERENCES studies (id),
                series_uid TEXT NOT NULL UNIQUE,
                modality TEXT, series_number TEXT, series_description TEXT, body_part TEXT,
                series_date TEXT, series_time TEXT,
                num_instances INTEGER NOT NULL DEFAULT 0))",
           "CREATE INDEX series_study ON series (study_fk)",
           "CREATE INDEX series_modality ON series (modality)",
           R"(CREATE TABLE instances (
                id ${PK},
                series_fk INTEGER NOT NULL REFERENCES series (id),
                sop_instance_uid TEXT NOT NULL UNIQUE,
                sop_class_uid TEXT NOT NULL,
                instance_number TEXT, content_date TEXT, content_time TEXT,
                num_frames TEXT, pixel_rows TEXT, pixel_columns TEXT,
                transfer_syntax TEXT NOT NULL,
                blob_key TEXT NOT NULL,
                size INTEGER NOT NULL,
                sha256 TEXT NOT NULL,
                received_at TEXT NOT NULL,
                source_aet TEXT NOT NULL DEFAULT ''))",
           "CREATE INDEX instances_series ON instances (series_fk)",
           "CREATE INDEX instances_sop_class ON instances (sop_class_uid)",
           R"(CREATE TABLE ingest_conflicts (
                id ${PK},
                sop_instance_uid TEXT NOT NULL,
                stored_sha256 TEXT NOT NULL,
                received_sha256 TEXT NOT NULL,
                resolution TEXT NOT NULL,
                source TEXT NOT NULL,
                at TEXT NOT NULL))",
       }},
      {2,
       "each instance's attributes in the DICOM JSON model, written at ingest (WADO-RS metadata)",
       {
           R"(CREATE TABLE instance_metadata (
                instance_fk INTEGER PRIMARY KEY REFERENCES instances (id),
                json TEXT NOT NULL))",
       }},
      {3,
       "series: the remaining QIDO-RS matching keys (performed procedure step start, request attributes)",
       {
           "ALTER TABLE series ADD COLUMN pps_start_date TEXT",
           "ALTER TABLE series ADD COLUMN pps_start_time TEXT",
           "ALTER TABLE series ADD COLUMN request_sps_id TEXT",
           "ALTER TABLE series ADD COLUMN request_rp_id TEXT",
           "CREATE INDEX series_pps_start_date ON series (pps_start_date)",
           "CREATE INDEX series_request_sps_id ON series (request_sps_id)",
           "CREATE INDEX series_request_rp_id ON series (request_rp_id)",
       }},
      // Migrations 4 and 5 made tables that annotations/ and ai/ own now (their own migrations
      // create them where these did not run).
      {4,
       "each user's viewer measurements and annotations per study",
       {
           R"(CREATE TABLE annotations (
                study_uid TEXT NOT NULL,
                username TEXT NOT NULL,
                json TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (study_uid, username)))",
       }},
      {5,
       "AI findings per study and source (the viewer's AI overlay layer)",
       {
           R"(CREATE TABLE ai_findings (
                study_uid TEXT NOT NULL,
                source TEXT NOT NULL,
                json TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (study_uid, source)))",
       }},
      {6,
       "instances refused at ingest, and why (the latest ones, for the status page)",
       {
           R"(CREATE TABLE ingest_rejections (
                id ${PK},
                at TEXT NOT NULL,
                source TEXT NOT NULL,
                sop_instance_uid TEXT NOT NULL,
                reason TEXT NOT NULL))",
       }},
      {7,
       "objects to remove from a store several nodes share, once no node can still be committing them",
       {
           "CREATE TABLE blob_deletions (blob_key TEXT NOT NULL PRIMARY KEY, requested_at INTEGER NOT NULL)",
           "CREATE INDEX instances_blob_key ON instances (blob_key)",
       }},
      {8,
       "where each frame of a multi-frame image lies in its file (frames read by range from an object store)",
       {
           "ALTER TABLE instance_metadata ADD COLUMN frame_map TEXT",
       }},
      {9,
       "studies moved from one patient to another (a merge, its undoing), with the files rewritten",
       {
           R"(CREATE TABLE patient_moves (
                id ${PK},
                change TEXT NOT NULL,
                study_uid TEXT NOT NULL,
                from_patient_id TEXT NOT NULL,
                from_issuer TEXT NOT NULL,
                to_patient_id TEXT NOT NULL,
                to_issuer TEXT NOT NULL,
                instances INTEGER NOT NULL,
                at TEXT NOT NULL,
                actor TEXT NOT NULL))",
           "CREATE INDEX patient_moves_by_change ON patient_moves (change, study_uid)",
           "CREATE INDEX patient_moves_by_study ON patient_moves (study_uid, id)",
           "CREATE INDEX patient_moves_by_from ON patient_moves (from_patient_id, from_issuer)",
           "CREATE INDEX patient_moves_by_to ON patient_moves (to_patient_id, to_issuer)",
           // One row per merge: active while the patient `from` names is `to`'s (images arriving
           // with `from` are corrected as they come), undone once the merge was undone (a late
           // delivery of the merge then moves nothing).
           R"(CREATE TABLE patient_links (
                change TEXT NOT NULL PRIMARY KEY,
                state TEXT NOT NULL,
                from_patient_id TEXT NOT NULL,
                from_issuer TEXT NOT NULL,
                to_patient_id TEXT NOT NULL,
                to_issuer TEXT NOT NULL,
                to_name TEXT NOT NULL,
                to_birth_date TEXT NOT NULL,
                to_sex TEXT NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL))",
           "CREATE INDEX patient_links_by_from ON patient_links (from_patient_id, from_issuer, state)",
       }},
  };
  return migrations;
}

}  // namespace vireo::archive
