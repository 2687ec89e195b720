// Patient merges (/api/ris/patient-merges): two registrations of one person made one, the
// merges a patient took part in, and an administrator's undoing. Thin: the rules are
// ris::Merges'; the studies' moves are the archive's record of what followed each merge.
#include "api/query_params.hpp"
#include "api/rest/appointment_answers.hpp"
#include "api/rest/ris_json.hpp"
#include "api/rest/routes.hpp"

namespace vireo::api {

namespace {
using http::HttpRequest;
using http::HttpResponse;
using nlohmann::json;
using ris_json::dump;
using ris_json::invalid;

json merge_json(const ris::PatientMerge& m) {
  return {{"id", m.id},
          {"sourceId", m.source_id},
          {"targetId", m.target_id},
          {"reason", m.reason},
          {"status", m.status},
          {"ordersMoved", m.orders},
          {"requestsMoved", m.requests},
          {"version", m.version},
          {"mergedAt", m.merged_at},
          {"mergedBy", m.merged_by},
          {"undoneAt", m.undone_at},
          {"undoneBy", m.undone_by},
          {"undoReason", m.undo_reason}};
}

// The merge with the studies the archive moved for it (and back, when undone), and while it
// holds, how many of the source's studies are still to move (a merge stuck on a damaged file
// shows here). Read failures of the archive leave the lists out rather than fail the answer:
// the merge itself is the RIS's, and done.
json merge_with_studies(archive::Archive& archive, ris::Patients& patients,
                        const ris::PatientMerge& m) {
  json j = merge_json(m);
  json studies = json::array();
  for (const auto& change : {ris::merge_change(m.id), ris::unmerge_change(m.id)}) {
    auto moves = archive.moves(change);
    if (!moves) continue;
    for (const auto& s : *moves)
      studies.push_back({{"studyInstanceUid", s.study_uid},
                         {"direction", change == ris::merge_change(m.id) ? "merged" : "undone"},
                         {"instances", s.instances},
                         {"at", s.at}});
  }
  j["studies"] = std::move(studies);
  int64_t waiting = 0;
  if (m.status == "merged")
    if (auto source = patients.get(m.source_id); source && *source) {
      archive::FindQuery q{
          archive::Level::Study,
          {{tag::kPatientID, (*source)->mrn}, {tag::kIssuerOfPatientID, (*source)->mrn_issuer}},
          access::Scope::everything()};
      (void)archive.find(q, [&](const archive::FindRow&) {
        ++waiting;
        return true;
      });
    }
  j["studiesWaiting"] = waiting;
  return j;
}

HttpResponse no_merge() { return http::problem(Error{ErrorCode::NotFound, "no such merge"}); }

struct Ctx {
  ris::Merges& merges;
  ris::Patients& patients;
  archive::Archive& archive;
};

HttpResponse answered(const HttpRequest& r, const Ctx& ctx, const Result<ris::MergeOutcome>& done,
                      const char* what, int status) {
  if (!done) return http::problem(done.error());
  if (!done->invalid.empty()) return invalid(done->invalid);
  if (done->conflict) return conflict_problem(*done->conflict);
  const ris::PatientMerge& m = done->value;
  auto source = ctx.patients.get(m.source_id);
  auto target = ctx.patients.get(m.target_id);
  if (source && target && *source && *target) {
    r.audit.patient_id = (*target)->mrn;
    r.audit.detail = std::string(what) + " RIS patient " + std::to_string(m.source_id) + " (MRN " +
                     (*source)->mrn + ") into " + std::to_string(m.target_id) + " (MRN " +
                     (*target)->mrn + "), merge " + std::to_string(m.id);
  }
  return http::json_response(status, dump(merge_with_studies(ctx.archive, ctx.patients, m)));
}

void merge_route(http::Router& router, const Ctx& ctx) {
  router.add("POST", "/api/ris/patient-merges", "ris.patients.merge", [ctx](const HttpRequest& r) {
    auto body = ris_json::object_body(r, ris_json::kMaxFormBody, "a merge");
    if (!body) return http::problem(body.error());
    std::vector<ris::FieldError> errors;
    ris_json::Reader in(*body, errors);
    ris::MergeRequest m;
    in.integer("sourceId", m.source_id);
    in.integer("sourceVersion", m.source_version);
    in.integer("targetId", m.target_id);
    in.integer("targetVersion", m.target_version);
    in.text("reason", m.reason);
    for (const char* name : {"sourceId", "sourceVersion", "targetId", "targetVersion"})
      if (!body->contains(name))
        errors.push_back({name, "required", std::string(name) + " is required"});
    if (auto s = in.no_unknown_members(); !s) return http::problem(s.error());
    if (!errors.empty()) return invalid(errors);
    auto done = ctx.merges.merge(m, r.principal);
    if (!done && done.error().code == ErrorCode::NotFound)
      return http::problem(Error{ErrorCode::NotFound, "no such patient"});
    return answered(r, ctx, done, "merged", 201);
  });
}

void undo_route(http::Router& router, const Ctx& ctx) {
  router.add("POST", "/api/ris/patient-merges/{id}/undo", "ris.patients.unmerge",
             [ctx](const HttpRequest& r) {
               auto id = row_id(r.param("id"));
               if (!id) return no_merge();
               std::vector<ris::FieldError> errors;
               auto c = read_change(r, {"version", "reason"}, errors);
               if (!c) return http::problem(c.error());
               if (!errors.empty()) return invalid(errors);
               auto done = ctx.merges.undo(*id, c->version, c->reason, r.principal);
               if (!done && done.error().code == ErrorCode::NotFound) return no_merge();
               return answered(r, ctx, done, "undid the merge of", 200);
             });
}

void read_routes(http::Router& router, const Ctx& ctx) {
  router.add(
      "GET", "/api/ris/patient-merges/{id}", "ris.patients.read", [ctx](const HttpRequest& r) {
        auto id = row_id(r.param("id"));
        if (!id) return no_merge();
        auto m = ctx.merges.get(*id);
        if (!m) return http::problem(m.error());
        if (!*m) return no_merge();
        if (auto kept = ctx.patients.get((*m)->target_id); kept && *kept)
          r.audit.patient_id = (*kept)->mrn;
        r.audit.detail = "read patient merge " + std::to_string(*id);
        return http::json_response(200, dump(merge_with_studies(ctx.archive, ctx.patients, **m)));
      });
  router.add("GET", "/api/ris/patients/{id}/merges", "ris.patients.read",
             [ctx](const HttpRequest& r) {
               auto id = row_id(r.param("id"));
               if (!id) return http::problem(Error{ErrorCode::NotFound, "no such patient"});
               auto list = ctx.merges.of_patient(*id);
               if (!list) return http::problem(list.error());
               json out = json::array();
               for (const auto& m : *list)
                 out.push_back(merge_with_studies(ctx.archive, ctx.patients, m));
               if (auto p = ctx.patients.get(*id); p && *p) r.audit.patient_id = (*p)->mrn;
               r.audit.detail = "read the merges of RIS patient " + std::to_string(*id);
               return http::json_response(200, dump({{"merges", out}}));
             });
}

}  // namespace

void register_merge_routes(http::Router& router, ris::Merges& merges, ris::Patients& patients,
                           archive::Archive& archive) {
  const Ctx ctx{merges, patients, archive};
  merge_route(router, ctx);
  undo_route(router, ctx);
  read_routes(router, ctx);
}

}  // namespace vireo::api
