#include "reporting/templates.hpp"

#include <algorithm>

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
                "Biometry: consistent with dates.\nPlacenta: posterior, not low-lying.\nAmniotic fluid: normal.",
                "Single live intrauterine pregnancy, growth consistent with dates."),
       {{"fetal_heart", "Fetal heart activity", "findings", "Fetal heart activity present."},
        {"placenta_clear", "Placenta clear of os", "findings", "Placenta: not low-lying; clear of the internal os."}}},
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

const std::vector<ReportTemplate>& report_templates() {
  static const std::vector<ReportTemplate> all = library();
  return all;
}

const ReportTemplate* report_template(std::string_view code) {
  auto it = std::ranges::find(report_templates(), code, &ReportTemplate::code);
  return it == report_templates().end() ? nullptr : &*it;
}

std::optional<TemplateRefusal> check_template(std::string_view code, std::string_view modality) {
  if (code.empty()) return std::nullopt;
  const ReportTemplate* t = report_template(code);
  if (!t)
    return TemplateRefusal{FieldError{"templateCode", "unknown", "No report template has the code " +
                                                                     std::string(code.substr(0, 64))},
                           std::nullopt};
  if (modality.empty() || std::ranges::find(t->modalities, modality) != t->modalities.end()) return std::nullopt;
  std::string theirs;
  for (const auto& m : t->modalities) theirs += (theirs.empty() ? "" : " or ") + m;
  return TemplateRefusal{std::nullopt, ReportConflict{"template_mismatch", "The template " + t->name + " is for " + theirs +
                                                                             " exams; this exam is " +
                                                                             std::string(modality) + ". Choose another template"}};
}

}  // namespace vireo::reporting
