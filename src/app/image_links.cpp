#include "app/image_links.hpp"

#include <charconv>

#include "archive/attributes.hpp"
#include "ris/orders.hpp"

namespace vireo::app {

namespace {

// What the archive's index holds of a study now; nullopt when it is not there (deleted).
Result<std::optional<ris::ArrivedStudy>> arrived_study(archive::Archive& archive, const std::string& study) {
  archive::FindQuery q{archive::Level::Study,
                       {{tag::kStudyInstanceUID, study},
                        {tag::kPatientID, ""},
                        {tag::kIssuerOfPatientID, ""},
                        {tag::kAccessionNumber, ""},
                        {tag::kPatientName, ""},
                        {tag::kPatientBirthDate, ""},
                        {tag::kModalitiesInStudy, ""},
                        {tag::kStudyDate, ""}},
                       access::Scope::everything()};
  std::optional<ris::ArrivedStudy> found;
  auto s = archive.find(q, [&](const archive::FindRow& r) {
    auto at = [&](tag::Tag t) {
      auto it = r.find(t);
      return it == r.end() ? std::string() : it->second;
    };
    found = ris::ArrivedStudy{study, at(tag::kPatientID), at(tag::kIssuerOfPatientID), at(tag::kAccessionNumber),
                              at(tag::kPatientName), at(tag::kPatientBirthDate), at(tag::kModalitiesInStudy),
                              at(tag::kStudyDate)};
    return false;
  });
  if (!s) return std::unexpected(s.error());
  return found;
}

// Staff's decision carried out: the study's files rewritten to name the order's patient and
// accession (the values replaced kept inside them), recorded as the study's move, then linked.
Status reconcile(archive::Archive& archive, ris::ImageLinks& links, audit::AuditLog& trail, const std::string& study) {
  auto decided = links.reconciliation_of(study);
  if (!decided) return std::unexpected(decided.error());
  if (!*decided || (*decided)->mrn.empty()) return {};  // linked already, or its order gone
  const ris::Reconciliation& r = **decided;
  auto now = arrived_study(archive, study);
  if (!now) return std::unexpected(now.error());
  if (!*now) return {};
  std::string name = r.name.family + "^" + r.name.given + "^" + r.name.middle + "^" + r.name.prefix + "^" +
                     r.name.suffix;
  while (!name.empty() && name.back() == '^') name.pop_back();
  std::string birth = r.birth_date;
  std::erase(birth, '-');
  archive::PatientMove move;
  move.change = "ris-reconcile:" + std::to_string(r.unmatched_id);
  move.from = {(*now)->patient_id, (*now)->issuer, "", "", "", ""};
  move.to = {r.mrn, r.issuer, name, birth, r.sex == "U" ? std::string() : r.sex, r.accession};
  move.actor = r.decided_by;
  move.study_uid = study;
  if (move.from.id != move.to.id || move.from.issuer != move.to.issuer || (*now)->accession != r.accession) {
    auto moved = archive.move_patient(move);
    if (!moved) return std::unexpected(moved.error());
    audit::AuditEvent a;
    a.actor = r.decided_by;
    a.actor_role = "operator";
    a.action = "update";
    a.patient_id = r.mrn;
    a.study_uid = study;
    a.resource = "archive study correction " + move.change;
    a.detail = "study reconciled to order " + std::to_string(r.order_id) + " (accession " + r.accession + "): " +
               std::to_string(moved->instances) + " instances rewritten from MRN " + move.from.id + " (" +
               move.from.issuer + "), accession '" + (*now)->accession + "'";
    trail.record(std::move(a));
  }
  auto corrected = arrived_study(archive, study);
  if (!corrected) return std::unexpected(corrected.error());
  if (!*corrected) return {};
  auto linked = links.study_arrived(**corrected, r.decided_by);
  if (!linked) return std::unexpected(linked.error());
  return {};
}

}  // namespace

events::Handler image_links(archive::Archive& archive_ref, ris::ImageLinks& links_ref, audit::AuditLog& trail_ref) {
  // (pointers: the handler outlives this call; the services it names outlive the dispatcher)
  return [archive = &archive_ref, links = &links_ref, trail = &trail_ref](const events::Event& e) -> Status {
    auto link = [&](const std::string& study) -> Status {
      auto found = arrived_study(*archive, study);
      if (!found) return std::unexpected(found.error());
      if (!*found) return {};
      auto linked = links->study_arrived(**found, "system");
      if (!linked) return std::unexpected(linked.error());
      return {};
    };
    if (e.topic == ris::kOrderCreated) {
      // An order made after its images came (an emergency scanned first): they are its now,
      // when they name its patient.
      int64_t order = 0;
      const std::string id = e.id("order");
      std::from_chars(id.data(), id.data() + id.size(), order);
      auto waiting = links->waiting_for(order);
      if (!waiting) return std::unexpected(waiting.error());
      for (const auto& study : *waiting)
        if (auto s = link(study); !s) return s;
      return {};
    }
    const std::string study = e.id("study");
    if (study.empty()) return {};
    if (e.topic == ris::kStudyReconciled) return reconcile(*archive, *links, *trail, study);
    return link(study);
  };
}

}  // namespace vireo::app
