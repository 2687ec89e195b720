#include "api/path_uids.hpp"

#include "core/strings.hpp"

namespace vireo::api {

Status add_path_uids(const http::HttpRequest& r, archive::FindQuery& query, ErrorCode invalid) {
  constexpr std::pair<const char*, tag::Tag> kNames[] = {
      {"study", tag::kStudyInstanceUID}, {"series", tag::kSeriesInstanceUID}, {"instance", tag::kSOPInstanceUID}};
  std::vector<archive::QueryKey> keys;
  for (const auto& [name, t] : kNames) {
    auto it = r.params.find(name);
    if (it == r.params.end()) continue;
    if (!is_valid_uid(it->second)) return fail(invalid, "'" + it->second + "' is not a UID");
    keys.push_back({t, it->second});
  }
  query.keys.insert(query.keys.end(), keys.begin(), keys.end());
  if (auto it = r.params.find("study"); it != r.params.end()) r.audit.study_uid = it->second;
  return {};
}

}  // namespace vireo::api
