#include "app/image_links.hpp"

#include "archive/attributes.hpp"

namespace vireo::app {

events::Handler image_links(archive::Archive& archive_ref, ris::ImageLinks& links_ref) {
  // (pointers: the handler outlives this call; the services it names outlive the dispatcher)
  return [archive = &archive_ref, links = &links_ref](const events::Event& e) -> Status {
    const std::string study = e.id("study");
    if (study.empty()) return {};
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
    auto s = archive->find(q, [&](const archive::FindRow& r) {
      auto at = [&](tag::Tag t) {
        auto it = r.find(t);
        return it == r.end() ? std::string() : it->second;
      };
      found = ris::ArrivedStudy{study, at(tag::kPatientID), at(tag::kIssuerOfPatientID), at(tag::kAccessionNumber),
                                at(tag::kPatientName), at(tag::kPatientBirthDate), at(tag::kModalitiesInStudy),
                                at(tag::kStudyDate)};
      return false;
    });
    if (!s) return s;
    if (!found) return {};
    auto linked = links->study_arrived(*found, "system");
    if (!linked) return std::unexpected(linked.error());
    return {};
  };
}

}  // namespace vireo::app
