// A fact one domain tells the others: a topic and the ids it concerns, nothing more (thin
// events). A receiver reads what it needs through the owning domain's public header, so an
// event never carries stale copies of data, and a late delivery still acts on the present.
//
// Topics published today:
//   study.received    a study's first instance was indexed   ids: study, patient
//   instance.stored   an instance was indexed (new or replaced)  ids: study, series, instance
//   study.deleted     a study was deleted                   ids: study, deleted_at (UTC ISO-8601)
//   series.deleted    a series was deleted                  ids: study, series, deleted_at
//
// Thread-safety: a plain value.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vireo::events {

struct Event {
  std::string topic;
  std::vector<std::pair<std::string, std::string>> ids;

  // The value of one id, or "" when the event does not carry it.
  [[nodiscard]] std::string id(std::string_view name) const;
  // "study=1.2.3&patient=P%261": how ids are stored (percent-encoded, order kept).
  [[nodiscard]] std::string encoded_ids() const;
  static Event decode(std::string topic, std::string_view encoded_ids);
};

}  // namespace vireo::events
