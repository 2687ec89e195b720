#include "app/patient_moves.hpp"

#include "api/query_params.hpp"

namespace vireo::app {

dicom::PatientAttributes dicom_patient(const ris::Patient& p) {
  std::string name = p.name.family + "^" + p.name.given + "^" + p.name.middle + "^" +
                     p.name.prefix + "^" + p.name.suffix;
  while (!name.empty() && name.back() == '^') name.pop_back();
  std::string birth = p.birth_date;
  std::erase(birth, '-');
  return {p.mrn, p.mrn_issuer, name, birth, p.sex == "U" ? std::string() : p.sex};
}

events::Handler patient_moves(archive::Archive& archive, ris::Patients& patients,
                              ris::Merges& merges) {
  return [&](const events::Event& e) -> Status {
    auto id = api::row_id(e.id("merge"));
    if (!id) return {};  // not one of ours to act on: nothing to do, ever
    auto merge = merges.get(*id);
    if (!merge) return std::unexpected(merge.error());
    if (!*merge) return {};
    const bool undoing = e.topic == ris::kPatientUnmerged;
    // A merge undone before its studies moved: its undoing has nothing to bring back either.
    if (!undoing && (*merge)->status != "merged") return {};
    auto source = patients.get((*merge)->source_id);
    if (!source) return std::unexpected(source.error());
    auto target = patients.get((*merge)->target_id);
    if (!target) return std::unexpected(target.error());
    if (!*source || !*target) return {};
    archive::PatientMove move;
    if (undoing) {
      move = {ris::unmerge_change(*id), dicom_patient(**target), dicom_patient(**source),
              ris::merge_change(*id), (*merge)->undone_by};
    } else {
      move = {ris::merge_change(*id), dicom_patient(**source), dicom_patient(**target), "",
              (*merge)->merged_by};
    }
    auto moved = archive.move_patient(move);
    if (!moved) return std::unexpected(moved.error());
    return {};
  };
}

}  // namespace vireo::app
