#include "app/ris_demo.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iostream>
#include <map>
#include <ranges>
#include <string_view>
#include <tuple>

#include "core/clock.hpp"
#include "core/strings.hpp"
#include "core/time_zone.hpp"

namespace vireo::app {

namespace {

constexpr const char* kActor = "demo";

struct DemoProcedure {
  const char* code;
  const char* name;
  const char* modality;
  const char* body_part;
  int minutes;
  int price;  // whole units
  const char* preparation;
  const char* consents;  // comma-separated
  bool radiologist = false;
  bool contrast_technician = false;
  int daily_limit = 0;
};

constexpr const char* kFasting = "Nothing to eat for 4 hours before; drink water as usual.";
constexpr const char* kContrast =
    "Nothing to eat for 4 hours before. Bring your latest creatinine result (less than 3 months "
    "old) and tell us about allergies, diabetes medication and kidney disease.";
constexpr const char* kMri =
    "Tell us before the day about a pacemaker, implants, metal fragments or claustrophobia. Leave "
    "jewellery at home.";
constexpr const char* kFullBladder =
    "Drink 1 litre of water one hour before and do not empty your bladder.";
constexpr const char* kMammo =
    "Do not use deodorant, talc or cream on the chest or armpits that day.";

const DemoProcedure kProcedures[] = {
    {"CR-THX", "Chest X-ray (PA and lateral)", "CR", "CHEST", 10, 35, "", ""},
    {"CR-ABD", "Abdominal X-ray", "CR", "ABDOMEN", 10, 35, "", ""},
    {"CR-LSP", "Lumbar spine X-ray", "CR", "LSPINE", 10, 40, "", ""},
    {"CR-CSP", "Cervical spine X-ray", "CR", "CSPINE", 10, 40, "", ""},
    {"CR-KNEE", "Knee X-ray", "CR", "KNEE", 10, 30, "", ""},
    {"CR-HAND", "Hand X-ray", "CR", "HAND", 10, 30, "", ""},
    {"CR-FOOT", "Foot X-ray", "CR", "FOOT", 10, 30, "", ""},
    {"CR-SHLD", "Shoulder X-ray", "CR", "SHOULDER", 10, 30, "", ""},
    {"CR-PELV", "Pelvis X-ray", "CR", "PELVIS", 10, 35, "", ""},
    {"CR-SKUL", "Sinus X-ray", "CR", "HEAD", 10, 30, "", ""},
    {"CT-HEAD", "CT head without contrast", "CT", "HEAD", 15, 120, "", ""},
    {"CT-THX", "CT chest without contrast", "CT", "CHEST", 15, 140, "", ""},
    {"CT-THX-C", "CT chest with contrast", "CT", "CHEST", 20, 180, kContrast, "contrast", false,
     true},
    {"CT-ABD-C", "CT abdomen and pelvis with contrast", "CT", "ABDOMEN", 20, 200, kContrast,
     "contrast", false, true},
    {"CT-TAP-C", "CT chest, abdomen and pelvis with contrast", "CT", "CHEST", 30, 260, kContrast,
     "contrast", false, true},
    {"CT-LSP", "CT lumbar spine", "CT", "LSPINE", 15, 130, "", ""},
    {"CT-SIN", "CT paranasal sinuses", "CT", "HEAD", 15, 110, "", ""},
    {"CT-URO", "CT urography", "CT", "ABDOMEN", 30, 220, kContrast, "contrast", false, true},
    {"CT-CORO", "CT coronary angiography", "CT", "HEART", 30, 350, kContrast, "contrast", true,
     true, 4},
    {"MR-BRAIN", "MRI brain", "MR", "BRAIN", 30, 250, kMri, "mri_safety"},
    {"MR-BRAIN-C", "MRI brain with contrast", "MR", "BRAIN", 40, 320, kMri, "mri_safety,contrast",
     false, true},
    {"MR-KNEE", "MRI knee", "MR", "KNEE", 30, 220, kMri, "mri_safety"},
    {"MR-SHLD", "MRI shoulder", "MR", "SHOULDER", 30, 220, kMri, "mri_safety"},
    {"MR-LSP", "MRI lumbar spine", "MR", "LSPINE", 30, 230, kMri, "mri_safety"},
    {"MR-CSP", "MRI cervical spine", "MR", "CSPINE", 30, 230, kMri, "mri_safety"},
    {"MR-PROS", "MRI prostate (multiparametric)", "MR", "PROSTATE", 45, 380, kMri,
     "mri_safety,contrast", false, true, 6},
    {"MR-BRST", "MRI breasts with contrast", "MR", "BREAST", 45, 400, kMri, "mri_safety,contrast",
     false, true, 4},
    {"MR-HIP", "MRI hip", "MR", "HIP", 30, 220, kMri, "mri_safety"},
    {"MR-SED", "MRI under sedation", "MR", "", 60, 600, kMri, "mri_safety,sedation", true, false,
     4},
    {"US-ABD", "Abdominal ultrasound", "US", "ABDOMEN", 20, 80, kFasting, "", true},
    {"US-PELV", "Pelvic ultrasound", "US", "PELVIS", 20, 80, kFullBladder, "", true},
    {"US-THYR", "Thyroid ultrasound", "US", "NECK", 15, 70, "", "", true},
    {"US-BRST", "Breast ultrasound", "US", "BREAST", 20, 80, "", "", true},
    {"US-DOPL", "Lower limb venous Doppler", "US", "LEG", 30, 110, "", "", true},
    {"US-MSK", "Shoulder ultrasound", "US", "SHOULDER", 20, 80, "", "", true},
    {"US-BIOP", "Ultrasound-guided thyroid biopsy", "US", "NECK", 40, 300, "", "biopsy", true,
     false, 3},
    {"MG-SCRN", "Screening mammography", "MG", "BREAST", 15, 90, kMammo, ""},
    {"MG-DIAG", "Diagnostic mammography", "MG", "BREAST", 20, 110, kMammo, ""},
    {"MG-TOMO", "Breast tomosynthesis", "MG", "BREAST", 20, 140, kMammo, ""},
    {"BMD-DXA", "Bone densitometry (DXA)", "BMD", "SPINE", 15, 60,
     "No calcium supplements the day before.", ""},
};

struct DemoRoom {
  const char* name;
  const char* modality;
  const char* ae_title;
  bool saturday;
};

const DemoRoom kRooms[] = {
    {"X-ray 1", "CR", "XR1_DRX", true},         {"CT 1", "CT", "CT1_SOMATOM", false},
    {"MR 1", "MR", "MR1_AERA", false},          {"Ultrasound 1", "US", "US1_LOGIQ", false},
    {"Mammography 1", "MG", "MG1_SENO", false},
};

const char* const kFamily[] = {"García", "Martínez",  "López", "Sánchez", "Pérez",
                               "Gómez",  "Fernández", "Puig",  "Vidal",   "Ferrer",
                               "Soler",  "Roca",      "Serra", "Torres",  "Navarro",
                               "Romero", "Castells",  "Font",  "Rovira",  "Molina"};
const char* const kSecond[] = {"Ruiz",    "Díaz", "Moreno", "Muñoz", "Álvarez",
                               "Jiménez", "Pons", "Costa",  "Mas",   "Bosch"};
const char* const kFemale[] = {"María",  "Laura", "Marta",      "Anna", "Núria",
                               "Carmen", "Elena", "Montserrat", "Sara", "Lucía"};
const char* const kMale[] = {"Josep", "Jordi", "Antonio", "Manuel", "David",
                             "Marc",  "Pau",   "Javier",  "Carlos", "Joan"};
const char* const kReasons[] = {"Persistent cough for 6 weeks",
                                "Follow-up of a lung nodule",
                                "Lower back pain radiating to the left leg",
                                "Knee pain after a fall",
                                "Abdominal pain, right upper quadrant",
                                "Headache with new neurological signs",
                                "Screening",
                                "Palpable breast lump",
                                "Weight loss, rule out malignancy",
                                "Thyroid nodule on examination"};

ris::ProcedureFields procedure_fields(const DemoProcedure& d) {
  ris::ProcedureFields p;
  p.code = d.code;
  p.name = d.name;
  p.modality = d.modality;
  p.body_part = d.body_part;
  p.duration_minutes = d.minutes;
  p.price_cents = int64_t{d.price} * 100;
  p.preparation = d.preparation;
  for (auto c : std::string_view(d.consents) | std::views::split(','))
    if (!c.empty()) p.consent_types.emplace_back(c.begin(), c.end());
  p.needs_radiologist = d.radiologist;
  p.needs_contrast_technician = d.contrast_technician;
  p.daily_limit = d.daily_limit;
  return p;
}

ris::RoomFields room_fields(const DemoRoom& d) {
  ris::RoomFields r;
  r.name = d.name;
  r.modality = d.modality;
  r.ae_title = d.ae_title;
  for (int day = 1; day <= 5; ++day) {
    r.hours.push_back({day, "08:00", "14:00"});
    r.hours.push_back({day, "15:00", "20:00"});
  }
  if (d.saturday) r.hours.push_back({6, "09:00", "13:00"});
  r.buffer_minutes =
      std::string_view(d.modality) == "CT" || std::string_view(d.modality) == "MR" ? 5 : 0;
  return r;
}

// The i-th demo patient: names, birth date, sex and contacts from a fixed mix.
ris::PatientFields patient_fields(int i) {
  ris::PatientFields p;
  bool female = i % 2 == 0;
  p.name.family = std::string(kFamily[i % 20]) + " " + kSecond[(i / 20) % 10];
  p.name.given = female ? kFemale[(i / 2) % 10] : kMale[(i / 2) % 10];
  int year = 1935 + (i * 7) % 85, month = 1 + (i * 5) % 12, day = 1 + (i * 11) % 28;
  char date[11];
  std::snprintf(date, sizeof date, "%04d-%02d-%02d", year, month, day);
  p.birth_date = date;
  p.sex = female ? "F" : "M";
  p.phone = "+34 6" + std::to_string(10 + i % 90) + " " + std::to_string(100 + (i * 37) % 900) +
            " " + std::to_string(100 + (i * 53) % 900);
  if (i % 3 == 0) p.email = "patient" + std::to_string(i + 1) + "@example.org";
  p.address = "Carrer " + std::string(kFamily[(i + 7) % 20]) + " " + std::to_string(1 + i % 120) +
              "\n080" + std::to_string(10 + i % 40) + " Barcelona";
  char id[16];
  std::snprintf(id, sizeof id, "%08d%c", 10000000 + i * 7919, "TRWAGMYFPDXBNJZSQVHLCKE"[i % 23]);
  p.national_id = id;
  if (i % 17 == 0) {
    p.contrast_allergy = true;
    p.allergies = "Iodinated contrast: hives and itching";
  } else if (i % 11 == 0) {
    p.allergies = "Penicillin";
  }
  return p;
}

const ris::StaffFields kStaff[] = {
    // The demo's own radiologist account (scripts/run.sh): half of the acquired exams are hers to read.
    {"radiologist", "Dr. Elena Serra", true, false, true, {}, {}},
    {"dr.welby", "Dr. Marcus Welby", true, false, true, {}, {}},
    {"tec.marta", "Marta Puig (technician)", false, true, true, {}, {}},
    {"tec.joan", "Joan Ferrer (technician)", false, true, true, {}, {}},
};

// The demo's appointment book is made through the schedule's own rules, as if each booking had
// been made before its day: a clock the demo sets.
class DemoClock final : public Clock {
 public:
  int64_t unix_seconds() const override { return now; }
  int64_t now = 0;
};

struct Booking {
  int64_t order;
  size_t patient;
};

// An exam of the archive's images linked to the RIS, whose patient is given a prior exam.
struct DemoPrior {
  int64_t patient = 0, procedure = 0;
  std::string modality, day;  // the exam's, YYYY-MM-DD
};

// Who the demo acts as: the operator at the machine, signed in as it were.
access::Principal demo_operator() {
  access::Principal p;
  p.username = kActor;
  p.roles = {access::Role::Technician, access::Role::Admin};
  p.via = access::Credential::Session;
  return p;
}

// The archive's studies of the clinic's own patients (the demo's phantoms carry its issuer) made
// part of the RIS: each patient registered with the MRN the images carry, each study an order
// with its accession number, booked at the time the images were taken and acquired. Returns
// how many studies were linked, or -1; each exam linked in `linked_exams`.
int link_demo_studies(Services& s, std::vector<DemoPrior>& linked_exams) {
  struct Study {
    std::string patient_id, name, birth_date, sex, accession, date, time, modality, description,
        referring, uid;
  };
  std::vector<Study> studies;
  const std::string issuer = s.ris_patients->options().mrn_issuer;
  archive::FindQuery q{archive::Level::Study,
                       {{tag::kIssuerOfPatientID, issuer},
                        {tag::kPatientID, ""},
                        {tag::kPatientName, ""},
                        {tag::kPatientBirthDate, ""},
                        {tag::kPatientSex, ""},
                        {tag::kAccessionNumber, ""},
                        {tag::kStudyDate, ""},
                        {tag::kStudyTime, ""},
                        {tag::kModalitiesInStudy, ""},
                        {tag::kStudyDescription, ""},
                        {tag::kReferringPhysicianName, ""}},
                       access::Scope::everything()};
  auto found = s.archive->find(q, [&](const archive::FindRow& r) {
    auto at = [&](tag::Tag t) {
      auto it = r.find(t);
      return it == r.end() ? std::string() : it->second;
    };
    studies.push_back({at(tag::kPatientID), at(tag::kPatientName), at(tag::kPatientBirthDate),
                       at(tag::kPatientSex), at(tag::kAccessionNumber), at(tag::kStudyDate),
                       at(tag::kStudyTime), at(tag::kModalitiesInStudy), at(tag::kStudyDescription),
                       at(tag::kReferringPhysicianName), at(tag::kStudyInstanceUID)});
    return true;
  });
  if (!found) {
    std::cerr << "vireo: " << found.error().message() << "\n";
    return -1;
  }
  DemoClock clock;
  auto schedule = ris::Schedule::open(*s.db, *s.writes, *s.outbox, s.ris_schedule->zone(), clock);
  auto catalogue = s.ris_catalogue->procedures({});
  if (!schedule || !catalogue) return -1;
  const access::Principal technician = demo_operator();
  int linked = 0;
  std::map<std::string, int64_t> registered;  // by MRN
  for (const auto& st : studies) {
    if (st.patient_id.empty() || st.accession.empty() || st.date.size() != 8 ||
        !std::all_of(st.date.begin(), st.date.end(), ::isdigit))
      continue;
    if (!registered.contains(st.patient_id)) {
      ris::PatientFields p;
      p.mrn = st.patient_id;
      p.mrn_issuer = issuer;
      auto parts = split(st.name, '^');
      parts.resize(5);
      p.name = {parts[0], parts[1], parts[2], parts[3], parts[4]};
      for (std::string* part : {&p.name.family, &p.name.given, &p.name.middle})
        for (size_t i = 1; i < part->size(); ++i)  // PARKER → Parker
          if ((*part)[i - 1] != ' ' && (*part)[i - 1] != '-')
            (*part)[i] = static_cast<char>(std::tolower(static_cast<unsigned char>((*part)[i])));
      if (st.birth_date.size() == 8)
        p.birth_date = st.birth_date.substr(0, 4) + "-" + st.birth_date.substr(4, 2) + "-" +
                       st.birth_date.substr(6, 2);
      p.sex = st.sex.empty() ? "U" : st.sex;
      auto made = s.ris_patients->create(p, kActor, true);
      if (!made || !made->saved()) continue;
      registered[st.patient_id] = made->patient.id;
    }
    // The catalogue's exam of the images' modality whose name says what the description says.
    int64_t procedure = 0;
    for (const auto& c : *catalogue) {
      if (c.modality != st.modality.substr(0, 2)) continue;
      if (procedure == 0) procedure = c.id;
      const bool head = st.description.find("HEAD") != std::string::npos;
      const bool contrast = st.description.find("WITH CONTRAST") != std::string::npos;
      if ((head && c.code == "CT-HEAD") || (contrast && c.code == "CT-THX-C") ||
          c.code == "MG-SCRN") {
        procedure = c.id;
        break;
      }
    }
    if (procedure == 0) continue;
    ris::OrderFields o;
    o.patient_id = registered[st.patient_id];
    o.procedure_ids = {procedure};
    o.reason = st.description.empty() ? "Imaging" : "As requested: " + st.description;
    o.referring_physician =
        st.referring.find("WELBY") != std::string::npos ? "Dr. Marcus Welby" : "Dr. Elena Serra";
    o.requesting_department = "Primary care";
    o.accession_number = st.accession;
    o.study_instance_uid = st.uid;  // the images exist: the order names their study
    auto order = s.ris_orders->create(o, kActor);
    if (!order || !order->saved()) continue;
    ++linked;
    // Booked when the images were taken (the day's first free time from then), and acquired.
    const std::string day =
        st.date.substr(0, 4) + "-" + st.date.substr(4, 2) + "-" + st.date.substr(6, 2);
    // HHMM as DICOM's TM writes it (an older form with colons, or none: nine in the morning).
    int hours = 9, minutes = 0;
    if (st.time.size() >= 4 && std::all_of(st.time.begin(), st.time.begin() + 4, ::isdigit)) {
      hours = (st.time[0] - '0') * 10 + (st.time[1] - '0');
      minutes = (st.time[2] - '0') * 10 + (st.time[3] - '0');
    }
    const int minute = std::min(hours, 23) * 60 + std::min(minutes, 59);
    const Instant wanted = s.ris_schedule->zone().utc_at_or_after(day, minute);
    clock.now = s.ris_schedule->zone().utc_at_or_after(day, 0).time_since_epoch().count();
    auto slots = (*schedule)->free_slots({order->value.id, day, 1, 0});
    if (!slots || !slots->saved()) continue;
    const ris::Window* pick = nullptr;
    for (const auto& w : slots->value.windows)
      if (w.last >= wanted) {
        pick = &w;
        break;
      }
    if (!pick) continue;
    Instant start = std::clamp(wanted, pick->first, pick->last);
    start = pick->first + (start - pick->first) / ris::kSlotStep * ris::kSlotStep;
    auto made = (*schedule)->book(order->value.id, pick->room_id, start, kActor);
    if (!made || !made->saved()) continue;
    clock.now = start.time_since_epoch().count() + 600;
    auto done = (*schedule)->arrive(made->value.id, made->value.version, kActor);
    if (done && done->saved())
      done = s.ris_exams->start(done->value.id, done->value.version, technician);
    if (done && done->saved())
      done = s.ris_exams->acquired(done->value.id, done->value.version, technician);
    // (Its images may have moved it on by themselves meanwhile: the exam is there all the same.)
    linked_exams.push_back({o.patient_id, procedure, st.modality.substr(0, 2), day});
  }
  return linked;
}

// What a radiologist wrote of a normal exam of this modality a year before: findings, impression.
std::pair<const char*, const char*> normal_report(const std::string& modality, const std::string& procedure) {
  if (modality == "MG")
    return {"Scattered areas of fibroglandular density. No suspicious mass, calcifications or architectural "
            "distortion.",
            "BI-RADS 1: negative. Routine screening in one year."};
  if (procedure == "CT-HEAD")
    return {"No intracranial haemorrhage, mass effect or midline shift. Ventricles and sulci normal for age.",
            "No acute intracranial abnormality."};
  if (modality == "CT")
    return {"Lungs clear, no pulmonary nodule. No pleural or pericardial effusion. No mediastinal or hilar "
            "lymphadenopathy.",
            "No acute cardiopulmonary abnormality."};
  return {"No abnormality seen.", "Normal examination."};
}

// A year before each linked exam, its patient had the same exam, read and signed by Dr. Welby: the
// prior report the radiologist compares with (and its PDF and SR in the archive). Returns how
// many were signed, or -1.
int sign_demo_priors(Services& s, const std::vector<DemoPrior>& exams) {
  DemoClock clock;
  auto schedule = ris::Schedule::open(*s.db, *s.writes, *s.outbox, s.ris_schedule->zone(), clock);
  auto catalogue = s.ris_catalogue->procedures({});
  if (!schedule || !catalogue) return -1;
  const TimeZone& zone = s.ris_schedule->zone();
  const access::Principal technician = demo_operator();
  access::Principal welby;
  welby.username = "dr.welby";
  welby.roles = {access::Role::Radiologist};
  welby.via = access::Credential::Session;
  std::vector<int64_t> done_for;
  int signed_ = 0;
  for (const auto& exam : exams) {
    if (std::ranges::find(done_for, exam.patient) != done_for.end()) continue;
    done_for.push_back(exam.patient);
    const auto when = parse_day(exam.day);
    if (!when) continue;
    ris::OrderFields o;
    o.patient_id = exam.patient;
    o.procedure_ids = {exam.procedure};
    o.reason = exam.modality == "MG" ? "Screening" : "Follow-up";
    o.referring_physician = "Dr. Marcus Welby";
    o.requesting_department = "Primary care";
    auto order = s.ris_orders->create(o, kActor);
    if (!order || !order->saved()) return -1;
    // The first day the room was open from a year before, at nine or the first free time after.
    std::optional<ris::Booked> made;
    for (int tries = 0; tries < 5 && !made; ++tries) {
      const std::string day = day_text(*when - std::chrono::days(365 - tries));
      clock.now = zone.utc_at_or_after(day, 0).time_since_epoch().count();
      auto slots = (*schedule)->free_slots({order->value.id, day, 1, 0});
      if (!slots || !slots->saved() || slots->value.windows.empty()) continue;
      const ris::Window& w = slots->value.windows.front();
      const Instant start = std::max(w.first, std::min(w.last, zone.utc_at_or_after(day, 9 * 60)));
      auto booked = (*schedule)->book(order->value.id, w.room_id, w.first + (start - w.first) / ris::kSlotStep *
                                                                                 ris::kSlotStep,
                                      kActor);
      if (booked && booked->saved()) made = std::move(*booked);
    }
    if (!made) {  // no open room a year before: no prior, and no order left waiting for a time
      auto cancelled = s.ris_orders->cancel(order->value.id, order->value.version, "Not performed", kActor);
      if (!cancelled || !cancelled->saved()) return -1;
      continue;
    }
    clock.now = parse_instant(made->value.starts_at)->time_since_epoch().count() + 600;
    Result<ris::Booked> step = (*schedule)->arrive(made->value.id, made->value.version, kActor);
    if (step && step->saved()) step = s.ris_exams->start(step->value.id, step->value.version, technician);
    if (step && step->saved()) step = s.ris_exams->acquired(step->value.id, step->value.version, technician);
    if (!step || !step->saved()) return -1;
    std::string code;
    for (const auto& c : *catalogue)
      if (c.id == exam.procedure) code = c.code;
    const auto [findings, impression] = normal_report(exam.modality, code);
    reporting::ReportContent content;
    content.sections = {{"findings", "Findings", findings}, {"impression", "Impression", impression}};
    if (exam.modality == "MG") content.findings = {{"birads", {{"assessment", "1"}, {"laterality", "B"}}}};
    // What stopped a step of the report: its error, its conflict, or the first field refused.
    auto stopped = [](const char* what, const auto& r) {
      if (r && r->saved()) return false;
      std::cerr << "vireo: a demo prior report could not be " << what << ": "
                << (!r ? r.error().message() : r->conflict ? r->conflict->message : r->invalid.front().message)
                << "\n";
      return true;
    };
    auto claimed = s.ris_reading->claim(order->value.id, welby);
    if (!claimed || !claimed->saved()) {
      std::cerr << "vireo: a demo prior exam could not be opened to read\n";
      return -1;
    }
    auto saved = s.reports->save_draft(order->value.id, 0, content, welby);
    if (stopped("written", saved)) return -1;
    auto signed_report = s.reports->sign(order->value.id, saved->value.draft_revision, welby, "demo");
    if (stopped("signed", signed_report)) return -1;
    ++signed_;
  }
  return signed_;
}

// Books each order on a working day from a week before today to a week after, in the first free
// time at or after an hour that varies; past ones were attended (one in eight missed) and their
// images acquired, today's under way are in progress; radiologists read by the least-loaded rule.
// Returns the number booked, or -1.
int book_demo_week(Services& s, const std::vector<Booking>& orders) {
  DemoClock clock;
  auto schedule = ris::Schedule::open(*s.db, *s.writes, *s.outbox, s.ris_schedule->zone(), clock);
  if (!schedule) {
    std::cerr << "vireo: " << schedule.error().message() << "\n";
    return -1;
  }
  const TimeZone& zone = s.ris_schedule->zone();
  const int64_t real_now = system_clock().unix_seconds();
  const access::Principal technician = demo_operator();
  if (auto rule = s.ris_exams->save_settings({"least_loaded", "", ""}, technician);
      !rule || !rule->saved()) {
    std::cerr << "vireo: the demo's reading assignment could not be set\n";
    return -1;
  }
  const auto today = *parse_day(zone.local_of(Instant{std::chrono::seconds(real_now)}).day);
  int booked = 0;
  for (size_t k = 0; k < orders.size(); ++k) {
    // The order's day, or the next one its room is open (weekends, closures).
    std::optional<ris::Window> pick;
    int64_t wanted = 0;
    for (int tries = 0; tries < 4 && !pick; ++tries) {
      const std::string day =
          day_text(today + std::chrono::days(static_cast<int>(k % 15) - 7 + tries));
      clock.now = zone.utc_at_or_after(day, 0).time_since_epoch().count();
      auto slots = (*schedule)->free_slots({orders[k].order, day, 1, 0});
      if (!slots || !slots->saved() || slots->value.windows.empty()) continue;
      wanted = zone.utc_at_or_after(day, 8 * 60 + static_cast<int>(k * 37 % 660))
                   .time_since_epoch()
                   .count();
      for (const auto& w : slots->value.windows)
        if (w.last.time_since_epoch().count() >= wanted) {
          pick = w;
          break;
        }
      if (!pick) pick = slots->value.windows.front();
    }
    if (!pick) continue;
    Instant start = std::clamp(Instant{std::chrono::seconds(wanted)}, pick->first, pick->last);
    start = pick->first + (start - pick->first) / ris::kSlotStep * ris::kSlotStep;
    auto made = (*schedule)->book(orders[k].order, pick->room_id, start, kActor);
    if (!made || !made->saved()) continue;
    ++booked;
    const int64_t at = start.time_since_epoch().count();
    if (at <= real_now) clock.now = at + 600;  // ten minutes into it
    Result<ris::Booked> done = made;
    if (at > real_now && k % 10 == 7)
      done = (*schedule)->cancel(made->value.id, made->value.version,
                                 "The patient asked for another day", kActor);
    else if (at <= real_now && k % 8 == 3)
      done = (*schedule)->no_show(made->value.id, made->value.version, kActor);
    else if (at <= real_now)
      done = (*schedule)->arrive(made->value.id, made->value.version, kActor);
    else if (at - real_now < 45 * 60 && zone.local_of(start).day == day_text(today)) {
      clock.now = real_now;  // in the waiting room already
      done = (*schedule)->arrive(made->value.id, made->value.version, kActor);
    }
    // Done when it ended (then read by whom the rule gives); half of those under way begun.
    const auto ends = parse_instant(made->value.ends_at);
    const bool ended = ends && ends->time_since_epoch().count() <= real_now;
    if (done && done->saved() && done->value.status == "arrived" && at <= real_now &&
        (ended || k % 2 == 0)) {
      done = s.ris_exams->start(done->value.id, done->value.version, technician);
      if (done && done->saved() && ended)
        done = s.ris_exams->acquired(done->value.id, done->value.version, technician);
    }
    if (!done || !done->saved()) {
      std::cerr << "vireo: a demo appointment could not move on\n";
      return -1;
    }
  }
  return booked;
}

}  // namespace

int seed_ris_demo(Services& s) {
  auto existing = s.ris_catalogue->rooms(true);
  if (!existing) {
    std::cerr << "vireo: " << existing.error().message() << "\n";
    return 1;
  }
  if (!existing->empty()) {
    std::cout << "The RIS has rooms already: no demo data added.\n";
    return 0;
  }
  auto failed = [](const std::string& what, const auto& r) {
    if (!r) {
      std::cerr << "vireo: " << what << ": " << r.error().message() << "\n";
      return true;
    }
    if (!r->invalid.empty()) {
      std::cerr << "vireo: " << what << ": " << r->invalid.front().message << "\n";
      return true;
    }
    return false;
  };
  std::vector<int64_t> rooms, procedures;
  for (const auto& d : kRooms) {
    auto r = s.ris_catalogue->create_room(room_fields(d), kActor);
    if (failed(d.name, r)) return 1;
    rooms.push_back(r->value.id);
  }
  const std::string today = utc_now_iso().substr(0, 10);
  const int year = std::stoi(today.substr(0, 4));
  for (const auto& [room, from, to, reason] :
       {std::tuple{int64_t{0}, std::to_string(year) + "-12-25", std::to_string(year) + "-12-26",
                   std::string("Christmas")},
        {int64_t{0}, std::to_string(year + 1) + "-01-01", std::to_string(year + 1) + "-01-01",
         std::string("New Year's Day")},
        {rooms[2], utc_iso(system_clock().unix_seconds() + 9 * 86400).substr(0, 10),
         utc_iso(system_clock().unix_seconds() + 9 * 86400).substr(0, 10),
         std::string("Scanner maintenance")}}) {
    auto c = s.ris_catalogue->add_closure({room, from, to, reason}, kActor);
    if (failed(reason, c)) return 1;
  }
  for (const auto& d : kProcedures) {
    auto p = s.ris_catalogue->create_procedure(procedure_fields(d), kActor);
    if (failed(d.code, p)) return 1;
    procedures.push_back(p->value.id);
  }
  for (const auto& m : kStaff) {
    auto made = s.ris_catalogue->create_staff(m, kActor);
    if (failed(m.display_name, made)) return 1;
  }
  std::vector<DemoPrior> linked_exams;
  const int linked = link_demo_studies(s, linked_exams);
  if (linked < 0) return 1;
  const int priors = sign_demo_priors(s, linked_exams);
  if (priors < 0) return 1;
  int orders = 0;
  std::vector<Booking> to_book;
  for (int i = 0; i < 200; ++i) {
    auto p = s.ris_patients->create(patient_fields(i), kActor, true);
    if (!p) {
      std::cerr << "vireo: patient " << i + 1 << ": " << p.error().message() << "\n";
      return 1;
    }
    if (!p->saved()) {
      std::cerr << "vireo: patient " << i + 1 << ": " << p->invalid.front().message << "\n";
      return 1;
    }
    if (i % 5 == 4) continue;  // four patients in five have an order
    ris::OrderFields o;
    o.patient_id = p->patient.id;
    const size_t first = static_cast<size_t>(i * 13) % procedures.size();
    o.procedure_ids = {procedures[first]};
    // Now and then two exams on one scanner in one visit (chest and abdomen): an order's steps
    // share a modality.
    if (i % 25 == 0) {
      for (size_t k = 1; k < procedures.size(); ++k) {
        const size_t j = (first + k) % procedures.size();
        if (std::string_view(kProcedures[j].modality) != kProcedures[first].modality) continue;
        o.procedure_ids.push_back(procedures[j]);
        break;
      }
    }
    o.priority = i % 10 == 0 ? "urgent" : i % 35 == 0 ? "stat" : "routine";
    o.reason = kReasons[i % 10];
    o.referring_physician = i % 2 ? "Dr. Marcus Welby" : "Dr. Elena Serra";
    o.requesting_department = i % 3 ? "Primary care" : "Emergency";
    auto made = s.ris_orders->create(o, kActor);
    if (failed("an order", made)) return 1;
    ++orders;
    if (i % 30 == 1) {
      auto cancelled = s.ris_orders->cancel(made->value.id, made->value.version,
                                            "Requested twice by the ward", kActor);
      if (failed("a cancellation", cancelled)) return 1;
    } else if (i % 9 != 4) {  // the rest are booked, but for some still waiting for a time
      to_book.push_back({made->value.id, static_cast<size_t>(i)});
    }
  }
  const int booked = book_demo_week(s, to_book);
  if (booked < 0) return 1;
  std::cout << "Demo RIS: " << rooms.size() << " rooms, " << procedures.size() << " procedures, "
            << "200 patients, " << orders << " orders, " << booked << " appointments; " << linked
            << " studies of the archive linked to their patients and orders, " << priors
            << " of their patients with a signed report of the year before.\n";
  return 0;
}

}  // namespace vireo::app
