// The UPS-RS side of a workitem (PS3.18 11, PS3.4 CC): the workitem in the DICOM JSON model
// (the attributes of PS3.4 Table CC.2.5-3 Vireo knows, Type 2 ones empty when it does not),
// the search parameters read into a steps query, and the event reports of the WebSocket channel
// (PS3.4 Table CC.2.4-1). Shared by the routes (ups.cpp) and the channels (ups_events.cpp).
//
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/time_zone.hpp"
#include "ris/workitems.hpp"

namespace vireo::api::dicomweb::ups {

using Parameters = std::vector<std::pair<std::string, std::string>>;

inline constexpr const char* kUpsPushSopClass = "1.2.840.10008.5.1.4.34.6.1";
inline constexpr const char* kUpsEventSopClass = "1.2.840.10008.5.1.4.34.6.4";

// The workitem as one DICOM JSON dataset; never its Transaction UID (PS3.4 CC.1.1).
[[nodiscard]] nlohmann::json workitem_json(const ris::Workitem& w);

// A search's matching parameters (PS3.18 11.9; paging and includefield aside) as a steps
// query: the keys Vireo matches on (docs/CONFORMANCE.md); a key it does not match on, given a
// value, is InvalidArgument (a filter silently ignored would widen a worklist). Dates and times
// are the clinic's. `nothing`: the query matches nothing by its terms (an Input Readiness State
// other than READY).
struct Search {
  ris::StepQuery query;
  bool nothing = false;
};
[[nodiscard]] Result<Search> search_of(const Parameters& params, const TimeZone& zone);
// The parameters that are not matching keys.
[[nodiscard]] bool is_control_parameter(const std::string& name);

// Event reports: UPS State Report (1), UPS Cancel Requested (2), SCP Status Change (4).
[[nodiscard]] std::string state_report(const ris::Workitem& w, int64_t message_id);
[[nodiscard]] std::string cancel_requested_report(const ris::Workitem& w, int64_t message_id);
[[nodiscard]] std::string going_down_report(int64_t message_id);

// A filtered subscription's parameters, kept as text and read back.
[[nodiscard]] std::string filter_text(const Parameters& params);
[[nodiscard]] Parameters filter_of(const std::string& text);

}  // namespace vireo::api::dicomweb::ups
