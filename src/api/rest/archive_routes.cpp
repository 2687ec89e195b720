#include <set>

#include <nlohmann/json.hpp>

#include "api/instance_file.hpp"
#include "api/path_uids.hpp"
#include "api/query_params.hpp"
#include "api/rest/ai_finding.hpp"
#include "api/rest/routes.hpp"
#include "access/scope.hpp"
#include "core/strings.hpp"
#include "dicom/media.hpp"

namespace vireo::api {

namespace {

using archive::Level;
using http::HttpRequest;
using http::HttpResponse;
using nlohmann::json;

constexpr int64_t kDefaultLimit = 100;
constexpr int64_t kMaxLimit = 1000;

std::string media_readme(const std::string& format, const std::string& study) {
  if (format == "jpeg") {
    return "These are the images of one imaging study (" + study + "), as pictures.\r\n\r\n"
           "IMAGES/ holds one JPEG file per image, in the order they were taken. They are for looking at and\r\n"
           "sharing, not for diagnosis: for a second opinion, ask for the study as DICOM files.\r\n";
  }
  return "This is one imaging study (" + study + ") in the DICOM format, as a doctor's or hospital's\r\n"
         "viewing software reads it.\r\n\r\n"
         "DICOMDIR  the index of the files (patient, study, series, images)\r\n"
         "DICOM/    the images and reports, as the imaging centre stored them\r\n\r\n"
         "Open DICOMDIR (or the DICOM folder) with a DICOM viewer. Unzip first: viewers read folders, not ZIP files.\r\n";
}

json encode_row(const archive::FindRow& row, Level level) {
  json j = json::object();
  for (const auto& a : archive::indexed_attributes()) {
    if (a.level > level) continue;
    auto it = row.find(a.tag);
    if (a.match == archive::Match::ReturnOnly && a.tag != tag::kAvailableTransferSyntaxUID) {
      j[std::string(a.keyword)] = it == row.end() ? 0 : std::atoll(it->second.c_str());
    } else {
      j[std::string(a.keyword)] = it == row.end() ? json(nullptr) : json(it->second);
    }
  }
  return j;
}

// Query parameters named by DICOM keyword filter the list with C-FIND matching.
Result<archive::FindQuery> list_query(const HttpRequest& req, Level level) {
  archive::FindQuery q;
  q.level = level;
  q.scope = access::scope_for(req.principal);
  auto page = page_of(req, kDefaultLimit, kMaxLimit);
  if (!page) return std::unexpected(page.error());
  q.limit = page->limit;
  q.offset = page->offset;
  for (const auto& [name, value] : req.query) {
    if (name == "limit" || name == "offset") continue;
    const archive::IndexedAttribute* found = nullptr;
    for (const auto& a : archive::indexed_attributes())
      if (a.keyword == name) found = &a;
    if (!found || found->level > level || found->match == archive::Match::ReturnOnly)
      return fail(ErrorCode::InvalidArgument, "'" + name + "' is not a filter at this level");
    q.keys.push_back({found->tag, value});
  }
  // The REST API answers a malformed UID in a path as "no such resource".
  if (auto s = add_path_uids(req, q, ErrorCode::NotFound); !s) return std::unexpected(s.error());
  return q;
}

Result<json> list(archive::Archive& archive, const archive::FindQuery& q) {
  json out = json::array();
  auto s = archive.find(q, [&](const archive::FindRow& row) {
    out.push_back(encode_row(row, q.level));
    return true;
  });
  if (!s) return std::unexpected(s.error());
  return out;
}

HttpResponse list_handler(archive::Archive& archive, const HttpRequest& req, Level level) {
  auto q = list_query(req, level);
  if (!q) return http::problem(q.error());
  auto rows = list(archive, *q);
  if (!rows) return http::problem(rows.error());
  return http::json_response(200, rows->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// One entity with its children: /api/studies/{study} lists its series, and so on.
HttpResponse entity_handler(archive::Archive& archive, const HttpRequest& req, Level level, const char* children) {
  auto q = list_query(req, level);
  if (!q) return http::problem(q.error());
  q->limit = 1;
  auto rows = list(archive, *q);
  if (!rows) return http::problem(rows.error());
  if (rows->empty()) return http::problem(Error{ErrorCode::NotFound, "no such " + std::string(archive::level_table(level))});
  json entity = (*rows)[0];
  if (auto pid = entity.find("PatientID"); pid != entity.end() && pid->is_string()) req.audit.patient_id = *pid;
  if (auto st = entity.find("StudyInstanceUID"); st != entity.end() && st->is_string()) req.audit.study_uid = *st;
  if (children) {
    auto cq = list_query(req, static_cast<Level>(static_cast<int>(level) + 1));
    if (!cq) return http::problem(cq.error());
    cq->limit = 0;
    auto kids = list(archive, *cq);
    if (!kids) return http::problem(kids.error());
    entity[children] = *kids;
  }
  return http::json_response(200, entity.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

constexpr size_t kMaxStudyDocumentBytes = 4 << 20;

// The study of the path when the caller may see it (row-level scope), recorded in the audit
// event with its patient; NotFound otherwise.
Result<std::string> visible_study(archive::Archive& archive, const HttpRequest& req) {
  auto q = list_query(req, Level::Study);
  if (!q) return std::unexpected(q.error());
  q->limit = 1;
  auto rows = list(archive, *q);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return fail(ErrorCode::NotFound, "no such study");
  const json& study = (*rows)[0];
  if (auto pid = study.find("PatientID"); pid != study.end() && pid->is_string()) req.audit.patient_id = *pid;
  req.audit.study_uid = req.param("study");
  return req.param("study");
}

// A PUT body {"<key>": [...]} of at most 4 MiB whose items `valid` accepts.
Result<json> document_body(const HttpRequest& req, const std::string& key, bool (*valid)(const json&),
                           const std::string& item_rule) {
  if (req.body.size() > kMaxStudyDocumentBytes)
    return fail(ErrorCode::InvalidArgument, key + " are limited to 4 MiB per study");
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains(key) || !body[key].is_array())
    return fail(ErrorCode::InvalidArgument, "send {\"" + key + "\": [...]}");
  for (const auto& item : body[key])
    if (!valid(item)) return fail(ErrorCode::InvalidArgument, item_rule);
  req.audit.detail = std::to_string(body[key].size()) + " " + key;
  return std::move(body[key]);
}

bool is_annotation(const json& a) {
  return a.is_object() && a.contains("metadata") && a["metadata"].is_object() && a["metadata"].contains("toolName") &&
         a["metadata"]["toolName"].is_string();
}


// The signed-in user's measurements and annotations on a study the caller may see: the
// viewer's own JSON ({"annotations": [...]}), each item an object naming its tool.
HttpResponse annotations_handler(archive::Archive& archive, annotations::Annotations& notes, const HttpRequest& req) {
  auto uid = visible_study(archive, req);
  if (!uid) return http::problem(uid.error());
  if (req.method == "PUT") {
    auto items = document_body(req, "annotations", is_annotation, "each annotation is an object with metadata.toolName");
    if (!items) return http::problem(items.error());
    if (auto s = notes.save(*uid, req.principal.username, items->dump()); !s) return http::problem(s.error());
    return http::no_content();
  }
  auto since = archive.study_created_at(*uid);
  if (!since) return http::problem(since.error());
  auto saved = notes.of(*uid, req.principal.username, *since);
  if (!saved) return http::problem(saved.error());
  json out = {{"annotations", json::array()}, {"updatedAt", nullptr}};
  if (*saved) {
    out["annotations"] = json::parse((*saved)->json, nullptr, false);
    if (out["annotations"].is_discarded()) out["annotations"] = json::array();
    out["updatedAt"] = (*saved)->updated_at;
  }
  return http::json_response(200, out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// AI findings on a study: each source (the account of the AI engine that sends them) replaces
// its own with PUT; GET gives every source's, each finding naming its source.
HttpResponse ai_findings_handler(archive::Archive& archive, ai::Findings& findings_store, const HttpRequest& req) {
  auto uid = visible_study(archive, req);
  if (!uid) return http::problem(uid.error());
  if (req.method == "PUT") {
    auto items = document_body(req, "findings", is_ai_finding,
                               "each finding needs label, sopInstanceUid, shape (box: 2 points, contour: 3 or more, "
                               "point: 1), points [[x, y], ...], and if given confidence 0..1 and frame >= 1");
    if (!items) return http::problem(items.error());
    // A finding on an image that is not in this study would never be drawn: refuse it.
    std::set<std::string> checked;
    for (const auto& f : *items) {
      const std::string sop = f["sopInstanceUid"];
      if (!checked.insert(sop).second) continue;
      auto inst = archive.instance(sop, access::scope_for(req.principal));
      if (!inst && inst.error().code != ErrorCode::NotFound) return http::problem(inst.error());
      if (!inst || inst->study_uid != *uid)
        return http::problem(Error{ErrorCode::InvalidArgument, "instance " + sop + " is not in study " + *uid});
    }
    if (auto s = findings_store.save(*uid, req.principal.username, items->dump()); !s)
      return http::problem(s.error());
    return http::no_content();
  }
  auto since = archive.study_created_at(*uid);
  if (!since) return http::problem(since.error());
  auto docs = findings_store.of_study(*uid, *since);
  if (!docs) return http::problem(docs.error());
  json findings = json::array();
  for (const auto& d : *docs) {
    json items = json::parse(d.json, nullptr, false);
    if (!items.is_array()) continue;
    for (auto& f : items) {
      f["source"] = d.owner;
      f["receivedAt"] = d.updated_at;
      findings.push_back(std::move(f));
    }
  }
  return http::json_response(200, json{{"findings", findings}}.dump(-1, ' ', false, json::error_handler_t::replace));
}

}  // namespace

void register_archive_routes(http::Router& router, archive::Archive& archive) {
  auto& a = archive;
  router.add("GET", "/api/patients", "archive.read",
             [&a](const HttpRequest& r) { return list_handler(a, r, Level::Patient); });
  router.add("GET", "/api/studies", "archive.read",
             [&a](const HttpRequest& r) { return list_handler(a, r, Level::Study); });
  router.add("GET", "/api/studies/{study}", "archive.read",
             [&a](const HttpRequest& r) { return entity_handler(a, r, Level::Study, "Series"); });
  router.add("GET", "/api/studies/{study}/series", "archive.read",
             [&a](const HttpRequest& r) { return list_handler(a, r, Level::Series); });
  router.add("GET", "/api/series/{series}", "archive.read",
             [&a](const HttpRequest& r) { return entity_handler(a, r, Level::Series, "Instances"); });
  router.add("GET", "/api/series/{series}/instances", "archive.read",
             [&a](const HttpRequest& r) { return list_handler(a, r, Level::Instance); });
  router.add("GET", "/api/instances/{instance}", "archive.read",
             [&a](const HttpRequest& r) { return entity_handler(a, r, Level::Instance, nullptr); });
  router.add("GET", "/api/instances/{instance}/file", "archive.export", [&a](const HttpRequest& r) {
    auto inst = a.instance(r.param("instance"), access::scope_for(r.principal));
    if (!inst) return http::problem(inst.error());
    r.audit.patient_id = inst->patient_id;
    r.audit.study_uid = inst->study_uid;
    return instance_file_response(a, *inst, true);
  });
  // The study to take away (a patient's own, a referring physician's patient's): a ZIP of its
  // DICOM files with a DICOMDIR, or of its images as JPEGs (dicom/media.hpp).
  router.add("GET", "/api/studies/{study}/download", "archive.export", [&a](const HttpRequest& r) {
    if (auto s = only_parameters(r, {"format"}); !s) return http::problem(s.error());
    const std::string format = r.query.contains("format") ? r.query.at("format") : "dicom";
    if (format != "dicom" && format != "jpeg")
      return http::problem(Error{ErrorCode::InvalidArgument, "format is dicom (files and a DICOMDIR) or jpeg (pictures)"});
    archive::FindQuery q{Level::Instance, {{tag::kStudyInstanceUID, r.param("study")}}, access::scope_for(r.principal)};
    auto found = a.locate(q);
    if (!found) return http::problem(found.error());
    if (found->empty()) return http::problem(Error{ErrorCode::NotFound, "no such study"});
    r.audit.patient_id = found->front().patient_id;
    r.audit.study_uid = found->front().study_uid;
    r.audit.detail = std::to_string(found->size()) + " instances as " + format;
    std::vector<std::filesystem::path> files;
    for (const auto& inst : *found) {
      auto path = a.instance_file(inst, archive::Archive::HashCheck::EveryRead);
      if (!path) return http::problem(path.error());  // damage is said, never packed
      files.push_back(*path);
    }
    const auto work = a.temp_path();
    const auto zip = a.temp_path();
    std::error_code ec;
    std::filesystem::create_directories(work, ec);
    auto made = dicom::write_media_zip(files, format == "dicom" ? dicom::MediaKind::Dicom : dicom::MediaKind::Jpeg, work, zip,
                                       media_readme(format, r.param("study")));
    std::filesystem::remove_all(work, ec);
    if (!made) {
      std::filesystem::remove(zip, ec);
      return http::problem(made.error());
    }
    HttpResponse res;
    res.content_type = "application/zip";
    http::BodySegment body;
    body.file = zip;
    body.remove_after = true;
    res.segments.push_back(std::move(body));
    res.headers.emplace_back("Content-Disposition", "attachment; filename=\"study-" + std::string(format == "dicom" ? "dicom" : "images") + ".zip\"");
    res.headers.emplace_back("X-Vireo-Left-Out", std::to_string(made->left_out));
    return res;
  });
  auto deleter = [&a](Level level) {
    return [&a, level](const HttpRequest& r) {
      if (level == Level::Study) r.audit.study_uid = r.param("study");
      auto n = level == Level::Study ? a.delete_study(r.param("study")) : a.delete_series(r.param("series"));
      if (!n) return http::problem(n.error());
      return http::json_response(200, json{{"deletedInstances", *n}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    };
  };
  router.add("DELETE", "/api/studies/{study}", "archive.delete", deleter(Level::Study));
  router.add("DELETE", "/api/series/{series}", "archive.delete", deleter(Level::Series));
  router.add("GET", "/api/conflicts", "archive.admin", [&a](const HttpRequest& r) {
    if (auto s = only_parameters(r, {"limit"}); !s) return http::problem(s.error());
    auto page = page_of(r, kDefaultLimit, kMaxLimit);
    if (!page) return http::problem(page.error());
    auto rows = a.conflicts(page->limit);
    if (!rows) return http::problem(rows.error());
    json out = json::array();
    for (const auto& c : *rows)
      out.push_back({{"SOPInstanceUID", c.sop_instance_uid}, {"storedSha256", c.stored_sha256},
                     {"receivedSha256", c.received_sha256}, {"resolution", c.resolution}, {"source", c.source},
                     {"at", c.at}});
    return http::json_response(200, out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  });
}

void register_study_document_routes(http::Router& router, archive::Archive& archive, annotations::Annotations& notes,
                                    ai::Findings& findings) {
  auto& a = archive;
  // Saving one's own measurements is part of reading a study, not a change to the archive.
  for (const char* method : {"GET", "PUT"})
    router.add(method, "/api/studies/{study}/annotations", "archive.read",
               [&a, &notes](const HttpRequest& r) { return annotations_handler(a, notes, r); });
  // AI findings come from AI engines (accounts with archive.store, like any results sent to
  // the archive) and are read by viewers.
  router.add("GET", "/api/studies/{study}/ai/findings", "archive.read",
             [&a, &findings](const HttpRequest& r) { return ai_findings_handler(a, findings, r); });
  router.add("PUT", "/api/studies/{study}/ai/findings", "archive.store",
             [&a, &findings](const HttpRequest& r) { return ai_findings_handler(a, findings, r); });
}

}  // namespace vireo::api
