// The reading worklist's exams and the reports as the API shows them, and a report's text as
// the editor sends it (every member's type checked; an unknown member refused).
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "net/http/http_types.hpp"
#include "pdf/pades.hpp"
#include "reporting/report.hpp"
#include "ris/reading.hpp"

namespace vireo::api::reporting_json {

using nlohmann::json;

[[nodiscard]] json reading_item(const ris::ReadingItem& item);
[[nodiscard]] json content(const reporting::ReportContent& c);
[[nodiscard]] json report(const reporting::Report& r);
[[nodiscard]] json version(const reporting::ReportVersion& v);
// A report of the patient's other exam, for comparison: the exam, its status, its signed versions.
[[nodiscard]] json prior_report(const ris::ReadingItem& exam, const std::string& status,
                                const std::vector<reporting::ReportVersion>& versions);
[[nodiscard]] json sign_checks(const std::vector<reporting::SignCheck>& checks);
// A conflict with a report's state, a critical result's or a peer review's: an HTTP 409 naming its
// rule (and, for a signature stopped by the text's checks, every check).
[[nodiscard]] http::HttpResponse conflict(const reporting::ReportConflict& c);
// What a check of a signed PDF found: the signature, the document, the chain, and the file's
// SHA-256 against `recorded_sha256` (the one kept apart when it was signed).
[[nodiscard]] json verification(const pdf::Verification& v, std::string_view pdf, const std::string& recorded_sha256);
// templateCode and sections of `body` (besides `revision`, read by the route); field errors go
// to `errors`, an unknown member is InvalidArgument.
[[nodiscard]] Result<reporting::ReportContent> content_of(const json& body, std::vector<ris::FieldError>& errors);
// The structured findings' vocabularies, labelled in `language` (en, es, ca).
[[nodiscard]] json vocabularies(const std::string& language);

}  // namespace vireo::api::reporting_json
