// The Modality Worklist SCP (PS3.4 K.6): a scanner's C-FIND becomes a ProcedureSteps query, and
// each step found becomes a response holding the keys the identifier asked for (Table K.6-1).
#include <algorithm>
#include <optional>

#include "api/dimse/ris_services.hpp"
#include "api/step_values.hpp"
#include "core/log.hpp"
#include "core/strings.hpp"
#include "dicom/charset.hpp"

namespace vireo::api::dimse {

namespace {

using net::Association;
using ris::ScheduledStep;


// One attribute of the model: its tag, the most characters its VR holds, and its value for a
// step (empty: returned zero-length, a Type 2 key Vireo does not know).
struct Key {
  DcmTagKey tag;
  size_t max;
  std::string (*value)(const ScheduledStep&);
};

std::string nothing(const ScheduledStep&) { return ""; }

std::string priority(const ScheduledStep& s) {
  return s.priority == "stat" ? "STAT" : s.priority == "urgent" ? "HIGH" : "ROUTINE";
}

std::string start_time(const ScheduledStep& s) { return dicom_time(s.local_start.minute); }

// PS3.4 Table K.6-1, the attributes outside the Scheduled Procedure Step Sequence.
const Key kTopKeys[] = {
    {DCM_AccessionNumber, 16, [](const ScheduledStep& s) { return s.accession_number; }},
    {DCM_ReferringPhysicianName, 64, [](const ScheduledStep& s) { return s.referring_physician; }},
    {DCM_PatientName, 64, [](const ScheduledStep& s) { return person_name(s.name); }},
    {DCM_PatientID, 64, [](const ScheduledStep& s) { return s.mrn; }},
    {DCM_IssuerOfPatientID, 64, [](const ScheduledStep& s) { return s.mrn_issuer; }},
    {DCM_PatientBirthDate, 8, [](const ScheduledStep& s) { return dicom_date(s.birth_date); }},
    {DCM_PatientSex, 16, [](const ScheduledStep& s) { return s.sex == "U" ? std::string() : s.sex; }},
    {DCM_PatientWeight, 16, nothing},
    {DCM_PatientSize, 16, nothing},
    {DCM_MedicalAlerts, 64,
     [](const ScheduledStep& s) { return s.contrast_allergy ? std::string("CONTRAST ALLERGY") : std::string(); }},
    {DCM_Allergies, 64, [](const ScheduledStep& s) { return s.allergies; }},  // VM 1-n: see Response::put
    // 4: unknown. The RIS does not record pregnancy yet; the technician asks.
    {DCM_PregnancyStatus, 16, [](const ScheduledStep&) { return std::string("4"); }},
    {DCM_SpecialNeeds, 64, nothing},
    {DCM_PatientState, 64, nothing},
    {DCM_ConfidentialityConstraintOnPatientDataDescription, 64, nothing},
    {DCM_StudyInstanceUID, 64, [](const ScheduledStep& s) { return s.study_instance_uid; }},
    {DCM_RequestingPhysician, 64, [](const ScheduledStep& s) { return s.referring_physician; }},
    {DCM_RequestingService, 64, [](const ScheduledStep& s) { return s.requesting_department; }},
    {DCM_RequestedProcedureDescription, 64, procedures_text},
    {DCM_AdmissionID, 64, nothing},
    {DCM_CurrentPatientLocation, 64, nothing},
    {DCM_RequestedProcedureID, 16, [](const ScheduledStep& s) { return s.accession_number; }},
    {DCM_ReasonForTheRequestedProcedure, 64, [](const ScheduledStep& s) { return s.reason; }},
    {DCM_RequestedProcedurePriority, 16, priority},
    {DCM_PatientTransportArrangements, 64, nothing},
    {DCM_RequestedProcedureComments, 10240, [](const ScheduledStep& s) { return s.clinical_info; }},
    {DCM_PlacerOrderNumberImagingServiceRequest, 64, nothing},
    {DCM_FillerOrderNumberImagingServiceRequest, 64, [](const ScheduledStep& s) { return s.accession_number; }},
    {DCM_ImagingServiceRequestComments, 10240, nothing},
    {DCM_PatientComments, 10240, nothing},
};

// The attributes of the Scheduled Procedure Step Sequence's item.
const Key kStepKeys[] = {
    {DCM_ScheduledStationAETitle, 16, [](const ScheduledStep& s) { return s.station_aet; }},
    {DCM_ScheduledProcedureStepStartDate, 8, [](const ScheduledStep& s) { return dicom_date(s.local_start.day); }},
    {DCM_ScheduledProcedureStepStartTime, 16, start_time},
    {DCM_Modality, 16, [](const ScheduledStep& s) { return s.modality; }},
    {DCM_ScheduledPerformingPhysicianName, 64, [](const ScheduledStep& s) { return s.performing_physician; }},
    {DCM_ScheduledProcedureStepDescription, 64, procedures_text},
    {DCM_ScheduledProcedureStepID, 16, [](const ScheduledStep& s) { return std::to_string(s.appointment_id); }},
    {DCM_ScheduledStationName, 16, [](const ScheduledStep& s) { return s.room_name; }},
    {DCM_ScheduledProcedureStepLocation, 16, [](const ScheduledStep& s) { return s.room_name; }},
    {DCM_PreMedication, 64, nothing},
    {DCM_ScheduledProcedureStepStatus, 16, [](const ScheduledStep& s) { return s.state; }},
    {DCM_RequestedContrastAgent, 64, nothing},
    {DCM_CommentsOnTheScheduledProcedureStep, 10240, nothing},
};

// The sequences of a code (PS3.3 8.8): what their items hold.
const DcmTagKey kCodeKeys[] = {DCM_CodeValue, DCM_CodingSchemeDesignator, DCM_CodeMeaning};

template <size_t N>
const Key* key_of(const Key (&keys)[N], const DcmTagKey& tag) {
  for (const auto& k : keys)
    if (k.tag == tag) return &k;
  return nullptr;
}

std::string text_of(DcmElement* el) {
  OFString v;
  el->getOFStringArray(v);
  return std::string(trim(std::string_view(v.c_str(), v.size())));
}

std::string name_of(const DcmTagKey& tag) { return DcmTag(tag).getTagName() + std::string(" ") + tag.toString().c_str(); }

Error refused(const std::string& why) { return {ErrorCode::InvalidQuery, why}; }

// Whether a sequence's items hold any value (an empty item, or zero-length keys in it, ask for
// the sequence as a return key, PS3.4 K.2.2.1.2).
bool holds_values(DcmSequenceOfItems& sq, int depth = 0) {
  if (depth > 8) return true;
  for (unsigned long i = 0; i < sq.card(); ++i) {
    DcmItem* item = sq.getItem(i);
    for (unsigned long k = 0; k < item->card(); ++k) {
      DcmElement* el = item->getElement(k);
      if (el->ident() == EVR_SQ ? holds_values(static_cast<DcmSequenceOfItems&>(*el), depth + 1) : !text_of(el).empty())
        return true;
    }
  }
  return false;
}

// A code sequence's request: its items may name the code's attributes only.
Status check_code_sequence(DcmSequenceOfItems& sq) {
  if (sq.card() > 1) return std::unexpected(refused(name_of(sq.getTag()) + " has more than one item"));
  for (unsigned long i = 0; i < sq.card(); ++i) {
    DcmItem* item = sq.getItem(i);
    for (unsigned long k = 0; k < item->card(); ++k) {
      DcmElement* el = item->getElement(k);
      if (el->ident() == EVR_SQ) {
        if (holds_values(static_cast<DcmSequenceOfItems&>(*el)))
          return std::unexpected(refused("sequences are nested deeper than the model's"));
        continue;
      }
      bool known = false;
      for (const auto& t : kCodeKeys) known |= (el->getTag() == t);
      if (!known && !text_of(el).empty())
        return std::unexpected(refused(name_of(el->getTag()) + " is not a key of a code item"));
    }
  }
  return {};
}

// Group lengths and private elements (and their creators) are not keys: passed over.
bool passed_over(const DcmTagKey& tag) { return tag.getElement() == 0x0000 || tag.getGroup() % 2 == 1; }

// What the request may hold (Table K.6-1); keys outside it are returned empty when they ask
// nothing, and refused when they carry a value Vireo cannot match on.
Status check_identifier(DcmDataset& id) {
  for (unsigned long i = 0; i < id.card(); ++i) {
    DcmElement* el = id.getElement(i);
    const DcmTagKey tag = el->getTag();
    if (passed_over(tag)) continue;
    if (el->ident() == EVR_SQ) {
      auto& sq = static_cast<DcmSequenceOfItems&>(*el);
      if (tag == DCM_ScheduledProcedureStepSequence) {
        if (sq.card() > 1)
          return std::unexpected(refused("the Scheduled Procedure Step Sequence may hold one item only"));
        for (unsigned long n = 0; n < sq.card(); ++n) {
          DcmItem* item = sq.getItem(n);
          for (unsigned long k = 0; k < item->card(); ++k) {
            DcmElement* inner = item->getElement(k);
            if (passed_over(inner->getTag())) continue;
            if (inner->ident() == EVR_SQ) {
              if (inner->getTag() != DCM_ScheduledProtocolCodeSequence) {
                if (holds_values(static_cast<DcmSequenceOfItems&>(*inner)))
                  return std::unexpected(refused(name_of(inner->getTag()) + " is not a key Vireo matches on"));
                continue;
              }
              if (auto s = check_code_sequence(static_cast<DcmSequenceOfItems&>(*inner)); !s) return s;
              continue;
            }
            if (!key_of(kStepKeys, inner->getTag()) && !text_of(inner).empty())
              return std::unexpected(refused(name_of(inner->getTag()) + " is not a key of a scheduled procedure step"));
          }
        }
      } else if (tag == DCM_RequestedProcedureCodeSequence) {
        if (auto s = check_code_sequence(sq); !s) return s;
      } else if (holds_values(sq)) {
        return std::unexpected(refused(name_of(tag) + " is not a key Vireo matches on"));
      }
      continue;
    }
    if (tag == DCM_SpecificCharacterSet || tag == DCM_QueryRetrieveLevel) continue;  // (the latter sent by some)
    if (!key_of(kTopKeys, tag) && !text_of(el).empty())
      return std::unexpected(refused(name_of(tag) + " is not a key of the Modality Worklist"));
  }
  return {};
}

// "20270301", "20270301-20270302", "-20270302", "20270301-": the days, ISO, either open.
Result<std::pair<std::string, std::string>> date_range(const std::string& v) {
  auto day = [&](const std::string& d) -> Result<std::string> {
    if (d.empty()) return std::string();
    std::string iso = d.size() == 8 ? d.substr(0, 4) + "-" + d.substr(4, 2) + "-" + d.substr(6, 2) : d;
    if (!parse_day(iso)) return std::unexpected(refused("Scheduled Procedure Step Start Date is not a date: " + log_safe(v)));
    return iso;
  };
  auto dash = v.find('-');
  auto from = day(dash == std::string::npos ? v : v.substr(0, dash));
  auto to = dash == std::string::npos ? from : day(v.substr(dash + 1));
  if (!from) return std::unexpected(from.error());
  if (!to) return std::unexpected(to.error());
  return std::pair{*from, *to};
}

// A TM bound in seconds of the day: "07", "0730", "073000", "073000.5". An upper bound names
// the end of what it names ("0730" runs to 07:30:59).
Result<std::optional<int>> time_bound(const std::string& t, bool upper) {
  if (t.empty()) return std::optional<int>();
  std::string digits = t.substr(0, t.find('.'));
  bool ok = (digits.size() == 2 || digits.size() == 4 || digits.size() == 6) &&
            digits.find_first_not_of("0123456789") == std::string::npos;
  int h = ok ? std::stoi(digits.substr(0, 2)) : 0;
  int m = ok && digits.size() >= 4 ? std::stoi(digits.substr(2, 2)) : 0;
  int s = ok && digits.size() == 6 ? std::stoi(digits.substr(4, 2)) : 0;
  if (!ok || h > 23 || m > 59 || s > 60)
    return std::unexpected(refused("Scheduled Procedure Step Start Time is not a time: " + log_safe(t)));
  int seconds = h * 3600 + m * 60 + s;
  if (upper) seconds += digits.size() == 2 ? 3599 : digits.size() == 4 ? 59 : 0;
  return std::optional<int>(seconds);
}

// The step's start, matched as PS3.4 C.2.2.2.5.1 says: a date with a time is one moment;
// a time alone is any day's time of day (filtered after the query).
struct Window {
  std::optional<Instant> from, to;
  std::optional<int> day_from, day_to;  // seconds of the day, for a time without a date
};

Result<Window> window_of(const std::string& date, const std::string& time, const TimeZone& zone) {
  Window w;
  std::optional<int> t_from, t_to;
  if (!time.empty()) {
    auto dash = time.find('-');
    auto a = time_bound(dash == std::string::npos ? time : time.substr(0, dash), false);
    auto b = time_bound(dash == std::string::npos ? time : time.substr(dash + 1), true);
    if (!a) return std::unexpected(a.error());
    if (!b) return std::unexpected(b.error());
    t_from = *a;
    t_to = *b;
  }
  if (date.empty()) {
    w.day_from = t_from;
    w.day_to = t_to;
    return w;
  }
  auto days = date_range(date);
  if (!days) return std::unexpected(days.error());
  auto at = [&](const std::string& day, int seconds) {
    return zone.utc_at_or_after(day, seconds / 60) + std::chrono::seconds(seconds % 60);
  };
  if (!days->first.empty()) w.from = at(days->first, t_from.value_or(0));
  if (!days->second.empty()) {
    if (t_to) w.to = at(days->second, *t_to);
    else w.to = zone.utc_at_or_after(day_text(*parse_day(days->second) + std::chrono::days(1)), 0) - std::chrono::seconds(1);
  }
  return w;
}

struct Request {
  ris::StepQuery query;
  Window window;
};

Result<Request> request_of(DcmDataset& id, const TimeZone& zone) {
  Request r;
  auto top = [&](const DcmTagKey& tag) {
    OFString v;
    id.findAndGetOFStringArray(tag, v);
    return std::string(trim(std::string_view(v.c_str(), v.size())));
  };
  std::string name = top(DCM_PatientName);
  name = name.substr(0, name.find('='));  // the alphabetic group
  auto caret = name.find('^');
  r.query.family_name = name.substr(0, caret);
  r.query.given_name = caret == std::string::npos ? "" : name.substr(caret + 1, name.find('^', caret + 1) - caret - 1);
  r.query.patient_id = top(DCM_PatientID);
  r.query.issuer = top(DCM_IssuerOfPatientID);
  r.query.accession_number = top(DCM_AccessionNumber);
  r.query.requested_procedure_id = top(DCM_RequestedProcedureID);
  r.query.study_instance_uid = top(DCM_StudyInstanceUID);
  DcmItem* step = nullptr;
  std::string date, time;
  if (id.findAndGetSequenceItem(DCM_ScheduledProcedureStepSequence, step, 0).good() && step) {
    auto inner = [&](const DcmTagKey& tag) {
      OFString v;
      step->findAndGetOFStringArray(tag, v);
      return std::string(trim(std::string_view(v.c_str(), v.size())));
    };
    r.query.station_aet = inner(DCM_ScheduledStationAETitle);
    r.query.modality = inner(DCM_Modality);
    r.query.performing_physician = inner(DCM_ScheduledPerformingPhysicianName);
    date = inner(DCM_ScheduledProcedureStepStartDate);
    time = inner(DCM_ScheduledProcedureStepStartTime);
    for (const auto& state : split(inner(DCM_ScheduledProcedureStepStatus), '\\'))
      if (!trim(state).empty()) r.query.states.emplace_back(trim(state));
  }
  // Without a date, a scanner means today and what is to come, unless it names the patient or the
  // exam (then whenever it is): never the steps left over from past days.
  const auto named = [](const std::string& v) { return !v.empty() && v != "*"; };
  const bool identified = named(r.query.patient_id) || named(r.query.accession_number) ||
                          named(r.query.requested_procedure_id) || named(r.query.study_instance_uid);
  const std::string today = dicom_date(zone.local_of(std::chrono::time_point_cast<std::chrono::seconds>(
                                                         std::chrono::system_clock::now())).day);
  if (date.empty() && !identified) date = time.empty() ? today + "-" : today;
  auto w = window_of(date, time, zone);
  if (!w) return std::unexpected(w.error());
  r.window = *w;
  r.query.from = w->from;
  r.query.to = w->to;
  return r;
}

bool inside(const Window& w, const ScheduledStep& s) {
  int second = s.local_start.minute * 60;
  return (!w.day_from || second >= *w.day_from) && (!w.day_to || second <= *w.day_to);
}

// Writes the response, tracking whether it needs UTF-8 declared.
class Response {
 public:
  // `max` characters (PS3.5 6.2 counts characters, not bytes), without control characters or
  // backslashes (value separators): the RIS's texts are free, the DICOM strings are not. A
  // longer Allergies text becomes several values (VM 1-n) rather than losing its end.
  void put(DcmItem& into, const DcmTagKey& tag, const std::string& value, size_t max) {
    std::string clean = value;
    for (char& c : clean)
      if (c == '\\') c = '/';
      else if (c == '\r' || (static_cast<unsigned char>(c) < 0x20 && (c != '\n' || tag != DCM_Allergies))) c = ' ';
    std::string v;
    if (tag == DCM_Allergies) {
      for (const auto& one : line_values(clean, max)) v += (v.empty() ? "" : "\\") + one;
    } else {
      v = cut_chars(clean, max);
    }
    for (unsigned char c : v) non_ascii_ |= c >= 0x80;
    into.putAndInsertString(tag, v.c_str());
  }
  void codes(DcmItem& into, const DcmTagKey& sequence, const ScheduledStep& s, bool all_procedures) {
    into.insertEmptyElement(sequence);
    for (const auto& p : s.procedures) {
      DcmItem* item = nullptr;
      if (into.findOrCreateSequenceItem(sequence, item, -2).bad() || !item) return;
      put(*item, DCM_CodeValue, p.code, 16);
      put(*item, DCM_CodingSchemeDesignator, kProcedureCodingScheme, 16);
      put(*item, DCM_CodeMeaning, p.name, 64);
      if (!all_procedures) return;  // the Requested Procedure Code: one code, the first
    }
  }
  [[nodiscard]] bool non_ascii() const { return non_ascii_; }

 private:
  bool non_ascii_ = false;
};

void fill_step_item(Response& out, DcmItem& into, DcmItem* asked, const ScheduledStep& s) {
  if (!asked || asked->card() == 0) {  // universal: the whole item
    for (const auto& k : kStepKeys) out.put(into, k.tag, k.value(s), k.max);
    out.codes(into, DCM_ScheduledProtocolCodeSequence, s, true);
    return;
  }
  for (unsigned long i = 0; i < asked->card(); ++i) {
    DcmElement* el = asked->getElement(i);
    if (el->getTag() == DCM_ScheduledProtocolCodeSequence) {
      out.codes(into, DCM_ScheduledProtocolCodeSequence, s, true);
    } else if (el->ident() == EVR_SQ) {
      into.insertEmptyElement(el->getTag());
    } else if (const Key* k = key_of(kStepKeys, el->getTag())) {
      out.put(into, k->tag, k->value(s), k->max);
    } else {
      into.insertEmptyElement(el->getTag());
    }
  }
}

DcmDataset* response_of(DcmDataset& asked, const ScheduledStep& s) {
  auto* out = new DcmDataset;
  Response r;
  for (unsigned long i = 0; i < asked.card(); ++i) {
    DcmElement* el = asked.getElement(i);
    const DcmTagKey tag = el->getTag();
    if (tag == DCM_SpecificCharacterSet || tag == DCM_QueryRetrieveLevel) continue;
    if (tag == DCM_ScheduledProcedureStepSequence) {
      DcmItem* item = nullptr;
      if (out->findOrCreateSequenceItem(tag, item, -2).bad() || !item) continue;
      DcmItem* asked_item = nullptr;
      (void)asked.findAndGetSequenceItem(tag, asked_item, 0);
      fill_step_item(r, *item, asked_item, s);
    } else if (tag == DCM_RequestedProcedureCodeSequence) {
      r.codes(*out, tag, s, false);
    } else if (el->ident() == EVR_SQ) {
      out->insertEmptyElement(tag);
    } else if (const Key* k = key_of(kTopKeys, tag)) {
      r.put(*out, k->tag, k->value(s), k->max);
    } else {
      out->insertEmptyElement(tag);
    }
  }
  if (r.non_ascii()) out->putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192");
  return out;
}

class WorklistService final : public net::DimseService {
 public:
  explicit WorklistService(ris::ProcedureSteps& steps) : steps_(steps) {}

  bool answers(std::string_view sop_class) const override { return sop_class == UID_FINDModalityWorklistInformationModel; }
  const char* name() const override { return "worklist"; }

  OFCondition handle(Association& a, T_DIMSE_Message& msg, T_ASC_PresentationContextID pres,
                     const std::string&) override {
    if (msg.CommandField != DIMSE_C_FIND_RQ) return DIMSE_BADCOMMANDTYPE;
    T_DIMSE_C_FindRQ& req = msg.msg.CFindRQ;
    std::unique_ptr<DcmDataset> identifier;
    OFCondition cond = a.receive_dataset(pres, identifier);
    if (cond.bad()) return cond;
    T_DIMSE_C_FindRSP rsp = net::find_response_to(req);

    // Keys arrive in the caller's character set; the RIS keeps UTF-8.
    dicom::convert_item_to_utf8(*identifier);
    int sent = 0;
    bool cancelled = false;
    OFCondition net = EC_Normal;
    // (An optional error rather than a reassigned Status: GCC 12's std::expected assignment
    // double-frees the error, see WriteQueue::run_all.)
    std::optional<Error> failure;
    if (auto checked = check_identifier(*identifier); !checked) failure = checked.error();
    if (!failure) {
      auto asked = request_of(*identifier, steps_.zone());
      if (!asked) {
        failure = asked.error();
      } else if (auto own = steps_.own_room_only(a.calling_aet); !own) {
        failure = own.error();
      } else {
        // A scanner kept to its own room's steps: its AE title is the station, whatever it asked.
        if (*own) asked->query.station_aet = a.calling_aet;
        auto found = steps_.find(asked->query);
        if (!found) failure = found.error();
        auto corked = a.corked();  // the pending responses in full packets
        for (const auto& step : found ? *found : std::vector<ScheduledStep>{}) {
          if (!inside(asked->window, step)) continue;
          if (++sent % 32 == 0 && DIMSE_checkForCancelRQ(a.assoc, pres, req.MessageID).good()) {
            cancelled = true;
            break;
          }
          std::unique_ptr<DcmDataset> out(response_of(*identifier, step));
          rsp.DimseStatus = STATUS_FIND_Pending_MatchesAreContinuing;
          rsp.DataSetType = DIMSE_DATASET_PRESENT;
          net = DIMSE_sendFindResponse(a.assoc, pres, &req, &rsp, out.get(), nullptr);
          if (net.bad()) return net;
        }
      }
    }
    rsp.DataSetType = DIMSE_DATASET_NULL;
    DcmDataset* detail = nullptr;
    if (cancelled) {
      rsp.DimseStatus = STATUS_FIND_Cancel_MatchingTerminatedDueToCancelRequest;
    } else if (failure) {
      spdlog::warn("worklist C-FIND from {} refused: {}", log_safe(a.calling_aet), log_safe(failure->message(), 256));
      rsp.DimseStatus = dicom_status(failure->code);
      detail = net::error_comment(*failure);
    } else {
      rsp.DimseStatus = STATUS_Success;
    }
    a.count("worklist queries");
    auto event = a.event("dicom-find", failure ? "failure" : "success");
    event.resource = "C-FIND WORKLIST";
    event.detail = net::identifier_text(*identifier, event.patient_id, event.study_uid) + "; " + std::to_string(sent) +
                   " matches" + (failure ? "; refused: " + failure->message() : "");
    a.record(std::move(event));
    cond = DIMSE_sendFindResponse(a.assoc, pres, &req, &rsp, nullptr, detail);
    delete detail;
    return cond;
  }

 private:
  ris::ProcedureSteps& steps_;
};

}  // namespace

std::unique_ptr<net::DimseService> worklist_service(ris::ProcedureSteps& steps) {
  return std::make_unique<WorklistService>(steps);
}

}  // namespace vireo::api::dimse
