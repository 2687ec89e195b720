// UPS-RS, the Worklist Service (PS3.18 11): the RIS's bookings as workitems under
// /dicom-web/workitems (search, retrieve, change state, request cancellation, subscriptions) and
// the WebSocket event channel /dicom-web/subscribers/{aetitle}. Thin handlers over
// ris::Workitems; the encoding is ups_model's.
#include <nlohmann/json.hpp>

#include "api/dicomweb/accept.hpp"
#include "api/dicomweb/routes.hpp"
#include "api/dicomweb/ups_events.hpp"
#include "api/dicomweb/ups_model.hpp"
#include "api/query_params.hpp"
#include "core/strings.hpp"
#include "ris/schedule.hpp"

namespace vireo::api::dicomweb {

namespace {

using http::HttpRequest;
using http::HttpResponse;
using nlohmann::json;
using Refusal = ris::WorkitemOutcome::Refusal;

constexpr int64_t kDefaultLimit = 100;
constexpr int64_t kMaxLimit = 1000;
constexpr size_t kMaxPayload = 64 * 1024;

std::string header_of(const HttpRequest& r, const char* name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? std::string() : it->second;
}

std::string warning(const std::string& text) { return "299 vireo \"" + text + "\""; }

HttpResponse dicom_json(int status, const json& body) {
  HttpResponse res = http::json_response(status, body.dump(-1, ' ', false, json::error_handler_t::replace));
  res.content_type = "application/dicom+json";
  return res;
}

// An answer without a payload, and the warning it carries, if any (PS3.18 8.4.3).
HttpResponse done(int status, const std::string& warned = {}) {
  HttpResponse res;
  res.status = status;
  res.content_type.clear();
  if (!warned.empty()) res.headers.emplace_back("Warning", warning(warned));
  return res;
}

// A refusal as a problem, its reason also in a Warning header as PS3.18 11 answers say it.
HttpResponse refusal(const ris::WorkitemOutcome& out) {
  const int status = out.refusal == Refusal::NotFound ? 404 : out.refusal == Refusal::Invalid ? 400 : 409;
  const char* title = status == 404 ? "Not Found" : status == 400 ? "Bad Request" : "Conflict";
  HttpResponse res = http::problem(status, title, out.why);
  res.headers.emplace_back("Warning", warning(out.why));
  return res;
}

// The {workitem} of the path: a UID, or the answer to a path that names none.
std::optional<HttpResponse> bad_workitem(const std::string& uid) {
  if (is_valid_uid(uid)) return std::nullopt;
  return http::problem(400, "Bad Request", "the workitem in the path is not a UID");
}

// An AE title (PS3.5 AE: 1 to 16 characters, no backslash or control character, not only spaces).
std::optional<HttpResponse> bad_ae(const std::string& ae) {
  bool ok = !ae.empty() && ae.size() <= 16 && trim(ae).size() > 0;
  for (unsigned char c : ae) ok &= c >= 0x20 && c < 0x7F && c != '\\';
  if (ok) return std::nullopt;
  return http::problem(400, "Bad Request", "the AE title in the path is 1 to 16 characters, without a backslash");
}

// The request's payload: one DICOM JSON dataset (an object, or an array holding one).
Result<json> dataset_of(const HttpRequest& r, bool optional) {
  if (r.body.empty()) {
    if (optional) return json::object();
    return fail(ErrorCode::InvalidArgument, "the request holds no dataset");
  }
  auto type = r.headers.find("content-type");
  const std::string media = type == r.headers.end() ? "" : to_lower_ascii(trim(split(type->second, ';')[0]));
  if (media != "application/dicom+json" && media != "application/json")
    return fail(ErrorCode::UnsupportedMediaType, "send the dataset as application/dicom+json");
  if (r.body.size() > kMaxPayload) return fail(ErrorCode::PayloadTooLarge, "the dataset is larger than 64 KiB");
  auto parsed = json::parse(r.body, nullptr, false);
  if (parsed.is_array() && parsed.size() == 1) parsed = parsed[0];
  if (!parsed.is_object()) return fail(ErrorCode::InvalidArgument, "the payload is not one DICOM JSON dataset");
  return parsed;
}

// The first value of an attribute of a DICOM JSON dataset, as text ("" when absent or empty).
Result<std::string> first_value(const json& ds, const char* key) {
  auto at = ds.find(key);
  if (at == ds.end()) return std::string();
  if (!at->is_object()) return fail(ErrorCode::InvalidArgument, std::string(key) + " is not a DICOM JSON attribute");
  auto values = at->find("Value");
  if (values == at->end() || !values->is_array() || values->empty()) return std::string();
  if (!(*values)[0].is_string()) return fail(ErrorCode::InvalidArgument, std::string(key) + "'s value is not text");
  return std::string(trim((*values)[0].get<std::string>()));
}

void note(const HttpRequest& r, const ris::Workitem& w, const std::string& what) {
  r.audit.patient_id = w.step.mrn;
  r.audit.study_uid = w.step.study_instance_uid;
  r.audit.detail = what + " workitem " + w.step.workitem_uid + " (accession " + w.step.accession_number + ")";
}

HttpResponse search(ris::Workitems& items, const HttpRequest& r) {
  if (!accepts_dicom_json(header_of(r, "accept")))
    return http::problem(406, "Not Acceptable", "workitems are answered as application/dicom+json");
  auto page = page_of(r, kDefaultLimit, kMaxLimit);
  if (!page) return http::problem(page.error());
  auto wanted = ups::search_of(r.query_list, items.zone());
  if (!wanted) return http::problem(wanted.error());
  json body = json::array();
  if (!wanted->nothing) {
    wanted->query.limit = page->limit;
    wanted->query.offset = page->offset;
    auto found = items.find(wanted->query);
    if (!found) return http::problem(found.error());
    for (const auto& w : *found) body.push_back(ups::workitem_json(w));
    // Whose worklist entries were read: the patients, as a C-FIND's answers are.
    std::string patients;
    for (const auto& w : *found)
      if (patients.find(" " + w.step.mrn + ",") == std::string::npos) patients += " " + w.step.mrn + ",";
    r.audit.detail = "searched workitems: " + std::to_string(body.size()) + " found; patients" + patients;
    r.audit.detail = r.audit.detail.substr(0, 1024);
    return dicom_json(200, body);
  }
  r.audit.detail = "searched workitems: " + std::to_string(body.size()) + " found";
  return dicom_json(200, body);
}

HttpResponse retrieve(ris::Workitems& items, const HttpRequest& r) {
  const std::string uid = r.param("workitem");
  if (auto bad = bad_workitem(uid)) return *bad;
  if (!accepts_dicom_json(header_of(r, "accept")))
    return http::problem(406, "Not Acceptable", "a workitem is answered as application/dicom+json");
  auto found = items.get(uid);
  if (!found) return http::problem(found.error());
  if (!*found) return http::problem(404, "Not Found", "no workitem has this UID");
  note(r, **found, "read");
  return dicom_json(200, json::array({ups::workitem_json(**found)}));
}

HttpResponse change_state(ris::Workitems& items, const HttpRequest& r) {
  const std::string uid = r.param("workitem");
  if (auto bad = bad_workitem(uid)) return *bad;
  auto ds = dataset_of(r, false);
  if (!ds) return http::problem(ds.error());
  auto state = first_value(*ds, "00741000");
  auto transaction = first_value(*ds, "00081195");
  if (!state) return http::problem(state.error());
  if (!transaction) return http::problem(transaction.error());
  if (state->empty() || transaction->empty())
    return http::problem(400, "Bad Request",
                         "the dataset names the Procedure Step State (00741000) wanted and the Transaction UID (00081195)");
  auto out = items.change_state(uid, *state, *transaction, r.principal.username);
  if (!out) return http::problem(out.error());
  if (out->workitem) note(r, *out->workitem, "set to " + *state + ":");
  if (out->refusal != Refusal::None) return refusal(*out);
  return done(200, out->warning);
}

HttpResponse cancel_request(ris::Workitems& items, ris::Schedule& schedule, const HttpRequest& r) {
  const std::string uid = r.param("workitem");
  if (auto bad = bad_workitem(uid)) return *bad;
  auto ds = dataset_of(r, true);
  if (!ds) return http::problem(ds.error());
  ris::CancelRequest asked;
  for (auto [key, into] : {std::pair{"00741238", &asked.reason}, std::pair{"0074100C", &asked.contact_name},
                           std::pair{"0074100A", &asked.contact_uri}}) {
    auto v = first_value(*ds, key);
    if (!v) return http::problem(v.error());
    *into = *v;
  }
  if (asked.reason.empty())  // some clients send the reason code's meaning only
    if (auto codes = ds->find("0074100E"); codes != ds->end() && codes->is_object() && codes->contains("Value") &&
                                           (*codes)["Value"].is_array() && !(*codes)["Value"].empty() &&
                                           (*codes)["Value"][0].is_object()) {
      auto meaning = first_value((*codes)["Value"][0], "00080104");
      if (meaning) asked.reason = *meaning;
    }
  auto out = items.request_cancel(uid, asked, r.principal.username);
  if (!out) return http::problem(out.error());
  if (out->workitem) note(r, *out->workitem, "asked to cancel");
  if (out->refusal != Refusal::None) return refusal(*out);
  // Nobody performs it yet: one who keeps the schedule cancels the booking itself, by the
  // schedule's rules (not once the patient is checked in); anyone else's request waits for staff.
  const ris::Workitem& w = *out->workitem;
  if (w.state != "SCHEDULED" || w.step.appointment_status != "booked" || !r.principal.may("ris.schedule.write"))
    return done(202, "the request is recorded and shown to the staff and the performer, who decide");
  const std::string why = "Cancellation asked for through the worklist service" +
                          (asked.reason.empty() ? std::string() : ": " + asked.reason);
  auto cancelled = schedule.cancel(w.step.appointment_id, out->appointment_version, why, r.principal.username);
  if (!cancelled) return http::problem(cancelled.error());
  if (!cancelled->saved())
    return done(202, "the request is recorded; the booking was not cancelled: " +
                         (cancelled->conflict ? cancelled->conflict->message : std::string("refused")));
  r.audit.detail += "; booking cancelled";
  return done(202, "the booking is cancelled");
}

// PS3.18 11.6 (Update Workitem): the attributes follow the booking and the images, so a
// performer's update is checked (its claim) and answered, its dataset not kept.
HttpResponse update(ris::Workitems& items, const HttpRequest& r) {
  const std::string uid = r.param("workitem");
  if (auto bad = bad_workitem(uid)) return *bad;
  auto ds = dataset_of(r, false);
  if (!ds) return http::problem(ds.error());
  const auto transaction = r.query_value("transaction");
  if (!transaction)
    return refusal({Refusal::Conflict, "a workitem's attributes follow its booking in the RIS; only its performer "
                                       "updates it, naming its Transaction UID (?transaction=)", {}, {}, 0});
  auto out = items.check_claim(uid, *transaction);
  if (!out) return http::problem(out.error());
  if (out->refusal != Refusal::None) return refusal(*out);
  r.audit.detail = "updated workitem " + uid + " (attributes not kept)";
  return done(200, "the workitem's attributes follow its booking and its images; the dataset was not kept");
}

// The subscription's target, and for a filtered one its filter; or the answer that refuses them.
struct Target {
  std::string uid, filter;
  bool deletion_lock = false;
};
Result<Target> target_of(ris::Workitems& items, const HttpRequest& r, bool subscribing) {
  Target t;
  t.uid = r.param("workitem");
  if (!is_valid_uid(t.uid)) return fail(ErrorCode::InvalidArgument, "the workitem in the path is not a UID");
  ups::Parameters filter;
  for (const auto& [name, v] : r.query_list) {
    if (name == "deletionlock" && subscribing) {
      if (v != "true" && v != "false") return fail(ErrorCode::InvalidArgument, "deletionlock is true or false");
      t.deletion_lock = v == "true";
    } else if (t.uid == ris::kFilteredWorklistUid && subscribing && !ups::is_control_parameter(name)) {
      filter.emplace_back(name, v);
    } else {
      return fail(ErrorCode::InvalidArgument, "'" + log_safe(name) + "' is not a parameter of this resource");
    }
  }
  if (!filter.empty()) {
    auto valid = ups::search_of(filter, items.zone());  // refused now, not at each event
    if (!valid) return std::unexpected(valid.error());
    t.filter = ups::filter_text(filter);
  }
  return t;
}

std::string subscription_name(const std::string& uid) {
  return uid == ris::kGlobalWorklistUid ? "the worklist" : uid == ris::kFilteredWorklistUid ? "the filtered worklist" : "workitem " + uid;
}

HttpResponse subscribe(ris::Workitems& items, const HttpRequest& r) {
  const std::string ae = r.param("aetitle");
  if (auto bad = bad_ae(ae)) return *bad;
  auto t = target_of(items, r, true);
  if (!t) return http::problem(t.error());
  auto out = items.subscribe(ae, t->uid, t->filter, t->deletion_lock, r.principal.username);
  if (!out) return http::problem(out.error());
  if (out->refusal != Refusal::None) return refusal(*out);
  r.audit.detail = "subscribed AE " + ae + " to " + subscription_name(t->uid);
  return done(201);
}

// Who may change any AE's subscriptions, not only those their account made.
bool any_owner(const HttpRequest& r) { return r.principal.may("ris.settings.admin"); }

// Unsubscribe or suspend (`change`), by the account that subscribed or an administrator.
template <class Change>
HttpResponse change_subscription(ris::Workitems& items, const HttpRequest& r, Change change, const char* done_to,
                                 const char* from) {
  const std::string ae = r.param("aetitle");
  if (auto bad = bad_ae(ae)) return *bad;
  auto t = target_of(items, r, false);
  if (!t) return http::problem(t.error());
  Result<ris::WorkitemOutcome> out = change(ae, t->uid, r.principal.username, any_owner(r));
  if (!out) return http::problem(out.error());
  if (out->refusal != Refusal::None) return refusal(*out);
  r.audit.detail = done_to + ae + from + subscription_name(t->uid);
  return done(200);
}

HttpResponse unsubscribe(ris::Workitems& items, const HttpRequest& r) {
  return change_subscription(
      items, r, [&](auto&&... a) { return items.unsubscribe(a...); }, "unsubscribed AE ", " from ");
}

HttpResponse suspend(ris::Workitems& items, const HttpRequest& r) {
  return change_subscription(
      items, r, [&](auto&&... a) { return items.suspend(a...); }, "suspended AE ", "'s subscription to ");
}

// "host[:port]" of a URL, in lower case.
std::string authority_of(const std::string& url) {
  const auto scheme_end = url.find("://");
  std::string rest = scheme_end == std::string::npos ? url : url.substr(scheme_end + 3);
  return to_lower_ascii(rest.substr(0, rest.find('/')));
}

// A browser page opening the channel with its session cookie must be this site's own: another
// site's page would otherwise listen with the user's rights (cross-site WebSocket hijacking).
// This site: the Host the request was sent to, or the public URL a reverse proxy serves it at.
bool foreign_origin(const HttpRequest& r, const Options& options) {
  if (r.principal.via != access::Credential::Session) return false;
  const std::string origin = header_of(r, "origin");
  if (origin.empty()) return false;
  const std::string from = authority_of(origin);
  return from != to_lower_ascii(header_of(r, "host")) &&
         (options.public_url.empty() || from != authority_of(options.public_url));
}

HttpResponse channel(WorkitemEvents& events, const Options& options, const HttpRequest& r) {
  const std::string ae = r.param("aetitle");
  if (auto bad = bad_ae(ae)) return *bad;
  if (foreign_origin(r, options)) return http::problem(403, "Forbidden", "the event channel is opened from this site's pages only");
  r.audit.detail = "opened the workitem event channel of AE " + ae;
  HttpResponse res;
  res.content_type.clear();
  res.websocket = events.channel(ae);
  return res;
}

HttpResponse not_offered(const char* what) {
  HttpResponse res = http::problem(405, "Method Not Allowed", what);
  res.headers.emplace_back("Allow", "GET");
  return res;
}

}  // namespace

void register_ups_routes(http::Router& router, ris::Workitems& items, ris::Schedule& schedule, WorkitemEvents& events,
                         const Options& options) {
  const std::string base = "/dicom-web/workitems";
  router.add("GET", base, "ris.worklist.read", [&items](const HttpRequest& r) { return search(items, r); });
  router.add("GET", base + "/{workitem}", "ris.worklist.read",
             [&items](const HttpRequest& r) { return retrieve(items, r); });
  router.add("PUT", base + "/{workitem}/state", "ris.exam.perform",
             [&items](const HttpRequest& r) { return change_state(items, r); });
  router.add("POST", base + "/{workitem}/cancelrequest", "ris.exam.perform",
             [&items, &schedule](const HttpRequest& r) { return cancel_request(items, schedule, r); });
  router.add("POST", base + "/{workitem}", "ris.exam.perform", [&items](const HttpRequest& r) { return update(items, r); });
  router.add("POST", base + "/{workitem}/subscribers/{aetitle}", "ris.worklist.read",
             [&items](const HttpRequest& r) { return subscribe(items, r); });
  router.add("DELETE", base + "/{workitem}/subscribers/{aetitle}", "ris.worklist.read",
             [&items](const HttpRequest& r) { return unsubscribe(items, r); });
  router.add("POST", base + "/{workitem}/subscribers/{aetitle}/suspend", "ris.worklist.read",
             [&items](const HttpRequest& r) { return suspend(items, r); });
  router.add("GET", "/dicom-web/subscribers/{aetitle}", "ris.worklist.read",
             [&events, &options](const HttpRequest& r) { return channel(events, options, r); });
  // Workitems are the RIS's bookings: made by booking an exam, changed through their state.
  router.add("POST", base, "ris.worklist.read", [](const HttpRequest&) {
    return not_offered("workitems are made by booking an exam in the RIS (web application or /api/ris/appointments)");
  });
}

}  // namespace vireo::api::dicomweb
