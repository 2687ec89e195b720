#include "reporting/templates.hpp"

#include <algorithm>
#include <cctype>

#include "reporting/vocabularies.hpp"

namespace vireo::reporting {

namespace {

// The five sections of IHE MRRT's reports, with what they start with.
std::vector<TemplateSection> sections(std::string technique, std::string findings, std::string impression) {
  return {{"indication", "Clinical information", ""},
          {"technique", "Technique", std::move(technique)},
          {"comparison", "Comparison", "None available."},
          {"findings", "Findings", std::move(findings)},
          {"impression", "Impression", std::move(impression)}};
}

std::vector<ReportTemplate> library() {
  return {
      {"VIR-XR-CHEST",
       "Chest X-ray",
       {"CR", "DX"},
       "chest",
       sections("PA and lateral views of the chest.",
                "The lungs are clear. No consolidation, pleural effusion or pneumothorax.\n"
                "The cardiomediastinal silhouette is within normal limits.\nNo acute bony abnormality.",
                "No acute cardiopulmonary abnormality."),
       {{"normal_lungs", "Normal lungs", "findings", "The lungs are clear. No consolidation, pleural effusion or pneumothorax."},
        {"normal_heart", "Normal heart size", "findings", "The cardiomediastinal silhouette is within normal limits."},
        {"lines_tubes", "Lines and tubes", "findings", "Support lines and tubes are in satisfactory position."}}},
      {"VIR-CT-HEAD",
       "CT head",
       {"CT"},
       "head",
       sections("Axial CT of the head without intravenous contrast.",
                "No intracranial haemorrhage, mass effect or midline shift.\n"
                "Grey-white matter differentiation is preserved. The ventricles and sulci are normal for age.\n"
                "The visualised paranasal sinuses and mastoid air cells are clear. No calvarial fracture.",
                "No acute intracranial abnormality."),
       {{"no_bleed", "No haemorrhage", "findings", "No intracranial haemorrhage, mass effect or midline shift."},
        {"small_vessel", "Small vessel disease", "findings",
         "Patchy periventricular white matter hypoattenuation, in keeping with chronic small vessel ischaemic change."},
        {"stroke_advice", "Suggest MRI", "impression", "If clinical concern for acute infarct persists, MRI is suggested."}}},
      {"VIR-CT-CHEST",
       "CT chest",
       {"CT"},
       "chest",
       sections("Axial CT of the chest with intravenous contrast; multiplanar reformats.",
                "Lungs: no nodule, consolidation or interstitial abnormality. The airways are patent.\n"
                "Pleura: no effusion or pneumothorax.\nMediastinum: no lymphadenopathy. The heart and great vessels "
                "are normal in calibre.\nBones and soft tissues: no suspicious lesion.",
                "No acute or suspicious abnormality in the chest."),
       {{"normal_lungs", "Normal lungs", "findings", "Lungs: no nodule, consolidation or interstitial abnormality."},
        {"emphysema", "Emphysema", "findings", "Centrilobular emphysema, predominantly in the upper lobes."},
        {"nodule_followup", "Nodule follow-up", "impression",
         "Pulmonary nodule: follow-up as recommended by the structured finding above."}},
       "lungrads"},
      {"VIR-CT-ABDPEL",
       "CT abdomen and pelvis",
       {"CT"},
       "abdomen",
       sections("Axial CT of the abdomen and pelvis in the portal venous phase; multiplanar reformats.",
                "Liver, gallbladder, spleen, pancreas and adrenal glands: unremarkable.\n"
                "Kidneys: no hydronephrosis or calculus.\nBowel: no obstruction or wall thickening.\n"
                "No free fluid, free gas or lymphadenopathy.\nBones: no suspicious lesion.",
                "No acute abnormality in the abdomen or pelvis."),
       {{"normal_solid_organs", "Normal solid organs", "findings",
         "Liver, gallbladder, spleen, pancreas and adrenal glands: unremarkable."},
        {"appendicitis_negative", "Normal appendix", "findings", "The appendix is normal in calibre, without surrounding fat stranding."},
        {"diverticulosis", "Diverticulosis", "findings", "Sigmoid diverticulosis without features of diverticulitis."}},
       "lirads"},
      {"VIR-MR-BRAIN",
       "MRI brain",
       {"MR"},
       "head",
       sections("Multiplanar multisequence MRI of the brain, including diffusion-weighted imaging.",
                "No restricted diffusion to suggest acute infarction. No intracranial haemorrhage or mass.\n"
                "The ventricles and sulci are normal for age. No abnormal white matter signal.\n"
                "The major intracranial flow voids are preserved.",
                "Normal MRI of the brain."),
       {{"no_infarct", "No acute infarct", "findings", "No restricted diffusion to suggest acute infarction."},
        {"flair_foci", "Nonspecific white matter foci", "findings",
         "A few punctate T2/FLAIR hyperintense foci in the subcortical white matter, nonspecific and common at this age."}}},
      {"VIR-MR-KNEE",
       "MRI knee",
       {"MR"},
       "knee",
       sections("Multiplanar proton density and T2-weighted MRI of the knee, with fat saturation.",
                "Menisci: intact.\nCruciate and collateral ligaments: intact.\nExtensor mechanism: intact.\n"
                "Cartilage: preserved in all compartments.\nBone marrow: no oedema or fracture.\nNo joint effusion.",
                "Normal MRI of the knee."),
       {{"menisci_intact", "Menisci intact", "findings", "Menisci: intact."},
        {"acl_tear", "ACL tear", "findings",
         "Anterior cruciate ligament: complete tear, with bone bruising of the lateral femoral condyle and posterolateral tibial plateau."},
        {"effusion", "Joint effusion", "findings", "Moderate joint effusion."}}},
      {"VIR-MG-BREAST",
       "Mammography",
       {"MG"},
       "breast",
       sections("Bilateral craniocaudal and mediolateral oblique views.",
                "Breast composition: scattered areas of fibroglandular density.\n"
                "No suspicious mass, architectural distortion or suspicious calcifications.",
                "Negative mammogram."),
       {{"negative", "Negative", "findings", "No suspicious mass, architectural distortion or suspicious calcifications."},
        {"benign_calcs", "Benign calcifications", "findings", "Scattered benign-appearing vascular and dystrophic calcifications."},
        {"recall", "Recall", "impression", "Recall for additional imaging of the finding described above."}},
       "birads",
       "block"},  // a mammography report states its assessment category (MQSA, 21 CFR 900.12(c))
      {"VIR-US-BREAST",
       "Breast ultrasound",
       {"US"},
       "breast",
       sections("Targeted ultrasound of the breast with high-frequency linear transducer.",
                "No solid or cystic mass in the area examined. No axillary lymphadenopathy.",
                "No sonographic abnormality."),
       {{"simple_cyst", "Simple cyst", "findings", "Simple cyst: anechoic, circumscribed, with posterior acoustic enhancement."},
        {"normal_axilla", "Normal axilla", "findings", "No axillary lymphadenopathy."}},
       "birads",
       "warn"},
      {"VIR-US-OB",
       "Obstetric ultrasound",
       {"US"},
       "pelvis",
       sections("Transabdominal obstetric ultrasound.",
                "Single live intrauterine pregnancy. Fetal heart activity present.\n"
                "Biometry: BPD [[BPD]] mm, HC [[HC]] mm, AC [[AC]] mm, FL [[FL]] mm; consistent with dates.\n"
                "Placenta: [[Placenta]].\nAmniotic fluid: normal.",
                "Single live intrauterine pregnancy, growth consistent with dates."),
       {{"fetal_heart", "Fetal heart activity", "findings", "Fetal heart activity present."},
        {"placenta_clear", "Placenta clear of os", "findings", "Placenta: not low-lying; clear of the internal os."}},
       "",
       "",
       // The biometry is looked at before signing; the placenta's site must be stated (a low-lying
       // placenta changes the delivery).
       {{"BPD", "findings", "NUMBER", {}, "mm", "ALERT"},
        {"HC", "findings", "NUMBER", {}, "mm", "ALERT"},
        {"AC", "findings", "NUMBER", {}, "mm", "ALERT"},
        {"FL", "findings", "NUMBER", {}, "mm", "ALERT"},
        {"Placenta", "findings", "SELECT",
         {"anterior, not low-lying", "posterior, not low-lying", "fundal", "low-lying", "covering the internal os"}, "",
         "PROHIBIT"}}},
      {"VIR-XR-TORAX-ES",
       "Radiografía de tórax",
       {"CR", "DX"},
       "chest",
       {{"indication", "Información clínica", ""},
        {"technique", "Técnica", "Proyecciones PA y lateral de tórax."},
        {"comparison", "Comparación", "Sin estudios previos."},
        {"findings", "Hallazgos",
         "Campos pulmonares sin consolidaciones, derrame pleural ni neumotórax.\n"
         "Silueta cardiomediastínica dentro de la normalidad.\nSin alteraciones óseas agudas."},
        {"impression", "Conclusión", "Sin hallazgos cardiopulmonares agudos."}},
       {{"pulmon_normal", "Pulmones normales", "findings",
         "Campos pulmonares sin consolidaciones, derrame pleural ni neumotórax."},
        {"cardiomegalia", "Cardiomegalia", "findings", "Índice cardiotorácico aumentado."}},
       "",
       "",
       {},
       "es"},
      {"VIR-US-THYROID",
       "Thyroid ultrasound",
       {"US"},
       "neck",
       sections("Ultrasound of the thyroid gland and cervical lymph nodes.",
                "The thyroid gland is normal in size and echotexture. No nodule.\nNo cervical lymphadenopathy.",
                "Normal thyroid ultrasound."),
       {{"no_nodule", "No nodule", "findings", "The thyroid gland is normal in size and echotexture. No nodule."},
        {"multinodular", "Multinodular goitre", "findings",
         "The thyroid gland is enlarged with multiple nodules; the dominant nodule is described in the structured finding."}},
       "tirads"},
  };
}

}  // namespace

const std::vector<ReportTemplate>& vireo_templates() {
  static const std::vector<ReportTemplate> all = [] {
    auto out = library();
    // A section's normals by keyboard, in the order the pick-list shows them.
    for (ReportTemplate& t : out)
      for (size_t i = 0; i < t.macros.size() && i < 9; ++i) t.macros[i].shortcut = "Alt+" + std::to_string(i + 1);
    return out;
  }();
  return all;
}

const ReportTemplate* vireo_template(std::string_view code) {
  auto it = std::ranges::find(vireo_templates(), code, &ReportTemplate::code);
  return it == vireo_templates().end() ? nullptr : &*it;
}

namespace {

constexpr const char* kModalities[] = {"BMD", "CR", "CT", "DX", "IO", "MG", "MR", "NM", "OT", "PT", "PX", "RF", "US", "XA"};
constexpr size_t kMaxText = 20000, kMaxName = 200, kMaxItems = 200, kMaxTemplateSections = 40;

template <size_t N>
bool one_of(const std::string& s, const char* const (&set)[N]) {
  return std::ranges::find(set, s) != std::end(set);
}

// As a report's section keys are (reports.hpp): what a template starts must be savable.
bool is_key(const std::string& s) {
  return !s.empty() && s.size() <= 40 &&
         std::ranges::all_of(s, [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

bool is_code(const std::string& s) {
  return !s.empty() && s.size() <= 64 && std::isalnum(static_cast<unsigned char>(s[0])) &&
         std::ranges::all_of(s, [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
         });
}

bool blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

// "Alt+1" .. "Alt+9", "Alt+A" .. "Alt+Z".
bool is_shortcut(const std::string& s) {
  return s.size() == 5 && s.starts_with("Alt+") && ((s[4] >= '0' && s[4] <= '9') || (s[4] >= 'A' && s[4] <= 'Z'));
}

}  // namespace

std::vector<std::string> blanks_in(std::string_view text) {
  std::vector<std::string> out;
  for (size_t at = text.find(kFieldMarkOpen); at != std::string_view::npos; at = text.find(kFieldMarkOpen, at)) {
    const size_t end = text.find(kFieldMarkClose, at + kFieldMarkOpen.size());
    if (end == std::string_view::npos) break;
    const std::string_view label = text.substr(at + kFieldMarkOpen.size(), end - at - kFieldMarkOpen.size());
    // A label is one line without brackets: "[[ see [[BPD]]" is a stray mark, then the blank BPD.
    // Any length: a placeholder however long is never signed (a template's labels are short).
    if (label.empty() || label.find_first_of("[]\n") != std::string_view::npos) {
      at += kFieldMarkOpen.size();
      continue;
    }
    out.emplace_back(label);
    at = end + kFieldMarkClose.size();
  }
  return out;
}

std::vector<FieldError> template_errors(const ReportTemplate& t) {
  std::vector<FieldError> out;
  if (!is_code(t.code))
    out.push_back({"code", "format", "A code is 1 to 64 capital letters, digits, '-', '_' or '.', e.g. CLINIC-CT-CHEST"});
  if (blank(t.name) || t.name.size() > kMaxName) out.push_back({"name", "required", "A name of up to 200 characters"});
  if (t.modalities.empty()) out.push_back({"modalities", "required", "Choose the modalities it is for"});
  for (size_t i = 0; i < t.modalities.size(); ++i)
    if (!one_of(t.modalities[i], kModalities))
      out.push_back({"modalities/" + std::to_string(i), "vocabulary",
                     "Not a DICOM modality Vireo reports on: " + t.modalities[i].substr(0, 16)});
  if (t.body_region.size() > 64) out.push_back({"bodyRegion", "too_long", "A body region of up to 64 characters"});
  if (t.language.size() != 2 || !std::ranges::all_of(t.language, [](char c) { return c >= 'a' && c <= 'z'; }))
    out.push_back({"language", "format", "A two-letter language code (ISO 639-1): en, es, ca"});
  if (!one_of(t.status, kTemplateStatuses)) out.push_back({"status", "vocabulary", "ACTIVE, DRAFT or RETIRED"});
  if (t.sections.empty()) out.push_back({"sections", "required", "A template has at least one section"});
  if (t.sections.size() > kMaxTemplateSections)
    out.push_back({"sections", "too_many", "A report has at most 40 sections"});
  if (t.fields.size() > kMaxItems || t.macros.size() > kMaxItems)
    out.push_back({"fields", "too_many", "At most 200 fields and 200 macros"});
  auto has_section = [&](const std::string& key) { return std::ranges::find(t.sections, key, &TemplateSection::key) != t.sections.end(); };
  for (size_t i = 0; i < t.sections.size(); ++i) {
    const TemplateSection& s = t.sections[i];
    const std::string at = "sections/" + std::to_string(i);
    if (!is_key(s.key)) out.push_back({at + "/key", "format", "A section's key is lower-case letters, digits and _"});
    else if (std::ranges::count(t.sections, s.key, &TemplateSection::key) > 1)
      out.push_back({at + "/key", "duplicate", "Two sections have the key " + s.key});
    if (blank(s.title) || s.title.size() > kMaxName) out.push_back({at + "/title", "required", "A section has a title"});
    if (s.text.size() > kMaxText) out.push_back({at + "/text", "too_long", "A section's text has at most 20,000 characters"});
    if (s.embed == t.code && !s.embed.empty()) out.push_back({at + "/embed", "cycle", "A template cannot embed itself"});
  }
  for (size_t i = 0; i < t.fields.size(); ++i) {
    const TemplateField& f = t.fields[i];
    const std::string at = "fields/" + std::to_string(i);
    if (blank(f.label) || f.label.size() > kMaxName || f.label.find(']') != std::string::npos ||
        f.label.find('[') != std::string::npos || f.label.find('\n') != std::string::npos)
      out.push_back({at + "/label", "format", "A field's label is one line of text without brackets"});
    else if (std::ranges::count(t.fields, f.label, &TemplateField::label) > 1)
      out.push_back({at + "/label", "duplicate", "Two fields are labelled " + f.label});
    if (!has_section(f.section)) out.push_back({at + "/section", "unknown", "The field's section is not in the template"});
    if (!one_of(f.type, kFieldTypes))
      out.push_back({at + "/type", "vocabulary", "TEXT, NUMBER, DATE, TIME, DATETIME, SELECT or MULTISELECT"});
    if ((f.type == "SELECT" || f.type == "MULTISELECT") && f.choices.empty())
      out.push_back({at + "/choices", "required", "A menu has choices"});
    if (f.choices.size() > 100 || std::ranges::any_of(f.choices, [](const std::string& c) {
          return blank(c) || c.size() > kMaxName || c.find('\n') != std::string::npos;
        }))
      out.push_back({at + "/choices", "format", "At most 100 choices, each one line of up to 200 characters"});
    if (f.units.size() > 32 || f.units.find('\n') != std::string::npos)
      out.push_back({at + "/units", "format", "Units are one line of up to 32 characters"});
    if (!one_of(f.completion, kFieldCompletions)) out.push_back({at + "/completion", "vocabulary", "NONE, ALERT or PROHIBIT"});
  }
  for (size_t i = 0; i < t.macros.size(); ++i) {
    const Macro& m = t.macros[i];
    const std::string at = "macros/" + std::to_string(i);
    if (!is_key(m.key)) out.push_back({at + "/key", "format", "A macro's key is lower-case letters, digits and _"});
    else if (std::ranges::count(t.macros, m.key, &Macro::key) > 1)
      out.push_back({at + "/key", "duplicate", "Two macros have the key " + m.key});
    if (blank(m.name) || m.name.size() > kMaxName) out.push_back({at + "/name", "required", "A macro has a name"});
    if (!has_section(m.section)) out.push_back({at + "/section", "unknown", "The macro's section is not in the template"});
    if (blank(m.text) || m.text.size() > kMaxText) out.push_back({at + "/text", "required", "A macro has its text"});
    if (!m.shortcut.empty() && !is_shortcut(m.shortcut))
      out.push_back({at + "/shortcut", "format", "A shortcut is Alt and one digit or letter, e.g. Alt+1"});
    else if (!m.shortcut.empty() && std::ranges::count(t.macros, m.shortcut, &Macro::shortcut) > 1)
      out.push_back({at + "/shortcut", "duplicate", "Two macros have the shortcut " + m.shortcut});
  }
  if (!t.findings_system.empty() && !vocabulary(t.findings_system))
    out.push_back({"findingsSystem", "vocabulary", "Not a structured finding Vireo records: " + t.findings_system.substr(0, 16)});
  if (!t.findings_rule.empty() && t.findings_rule != "warn" && t.findings_rule != "block")
    out.push_back({"findingsRule", "vocabulary", "warn, block or nothing"});
  else if (!t.findings_rule.empty() && t.findings_system.empty())
    out.push_back({"findingsRule", "required", "Choose the structured finding the rule asks for"});
  return out;
}

std::optional<TemplateRefusal> check_template(std::string_view code, const ReportTemplate* t, std::string_view modality) {
  if (code.empty()) return std::nullopt;
  if (!t || !t->top_level)
    return TemplateRefusal{FieldError{"templateCode", "unknown", "No report template has the code " +
                                                                     std::string(code.substr(0, 64))},
                           std::nullopt};
  if (t->status != "ACTIVE")
    return TemplateRefusal{std::nullopt, ReportConflict{"template_retired", "The template " + t->name +
                                                                                " is no longer in use. Choose another template"}};
  if (modality.empty() || std::ranges::find(t->modalities, modality) != t->modalities.end()) return std::nullopt;
  std::string theirs;
  for (const auto& m : t->modalities) theirs += (theirs.empty() ? "" : " or ") + m;
  return TemplateRefusal{std::nullopt, ReportConflict{"template_mismatch", "The template " + t->name + " is for " + theirs +
                                                                             " exams; this exam is " +
                                                                             std::string(modality) + ". Choose another template"}};
}

}  // namespace vireo::reporting
