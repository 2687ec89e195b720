#include "reporting/vocabularies.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>

namespace vireo::reporting {

std::string Label::in(std::string_view language) const {
  if (language == "es" && *es) return es;
  if (language == "ca" && *ca) return ca;
  return en;
}

std::string CodedFinding::value(std::string_view field) const {
  for (const auto& [key, v] : values)
    if (key == field) return v;
  return {};
}

namespace {

// The fields most systems share.
VocabularyField size_mm(double max = 300) {
  return {"size_mm", {"Size", "Tamaño", "Mida"}, false, {}, 1, max, "mm"};
}

VocabularyField side() {
  return {"laterality",
          {"Side", "Lado", "Costat"},
          true,
          {{"R", {"right", "derecho", "dret"}}, {"L", {"left", "izquierdo", "esquerre"}},
           {"B", {"bilateral", "bilateral", "bilateral"}}}};
}

Vocabulary birads() {
  const Label tissue = {"Tissue diagnosis", "Diagnóstico histológico", "Diagnòstic histològic"};
  std::vector<Term> clock;
  for (int h = 1; h <= 12; ++h) {
    static const std::string names[] = {"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"};
    static const std::string en[] = {"1 o'clock", "2 o'clock", "3 o'clock", "4 o'clock", "5 o'clock", "6 o'clock",
                                     "7 o'clock", "8 o'clock", "9 o'clock", "10 o'clock", "11 o'clock", "12 o'clock"};
    static const std::string es[] = {"radio 1", "radio 2", "radio 3", "radio 4",  "radio 5",  "radio 6",
                                     "radio 7", "radio 8", "radio 9", "radio 10", "radio 11", "radio 12"};
    static const std::string ca[] = {"radi 1", "radi 2", "radi 3", "radi 4",  "radi 5",  "radi 6",
                                     "radi 7", "radi 8", "radi 9", "radi 10", "radi 11", "radi 12"};
    const int i = h - 1;
    clock.push_back({names[i], {en[i].c_str(), es[i].c_str(), ca[i].c_str()}});
  }
  clock.push_back({"RA", {"retroareolar", "retroareolar", "retroareolar"}});
  clock.push_back({"AT", {"axillary tail", "cola axilar", "cua axil·lar"}});
  return {
      "birads",
      "BI-RADS",
      {"Breast imaging (ACR BI-RADS)", "Imagen mamaria (ACR BI-RADS)", "Imatge mamària (ACR BI-RADS)"},
      {
          {"assessment",
           {"Assessment", "Categoría", "Categoria"},
           true,
           {{"0",
             {"Incomplete: need additional imaging evaluation", "Incompleta: requiere estudios adicionales",
              "Incompleta: requereix estudis addicionals"},
             {"Recall for additional imaging and/or comparison with prior examinations",
              "Citar para estudios adicionales o comparar con estudios previos",
              "Citar per a estudis addicionals o comparar amb estudis previs"}},
            {"1", {"Negative", "Negativa", "Negativa"},
             {"Routine screening", "Cribado rutinario", "Cribratge rutinari"}},
            {"2", {"Benign", "Benigna", "Benigna"}, {"Routine screening", "Cribado rutinario", "Cribratge rutinari"}},
            {"3", {"Probably benign", "Probablemente benigna", "Probablement benigna"},
             {"Short-interval (6-month) follow-up", "Control a corto plazo (6 meses)", "Control a curt termini (6 mesos)"}},
            {"4", {"Suspicious", "Sospechosa", "Sospitosa"}, tissue},
            {"4A", {"Low suspicion for malignancy", "Baja sospecha de malignidad", "Baixa sospita de malignitat"}, tissue},
            {"4B", {"Moderate suspicion for malignancy", "Sospecha moderada de malignidad",
                    "Sospita moderada de malignitat"}, tissue},
            {"4C", {"High suspicion for malignancy", "Alta sospecha de malignidad", "Alta sospita de malignitat"}, tissue},
            {"5", {"Highly suggestive of malignancy", "Altamente sugestiva de malignidad",
                   "Altament suggestiva de malignitat"}, tissue},
            {"6", {"Known biopsy-proven malignancy", "Malignidad confirmada por biopsia",
                   "Malignitat confirmada per biòpsia"},
             {"Surgical excision when clinically appropriate", "Exéresis quirúrgica cuando proceda",
              "Exèresi quirúrgica quan escaigui"}}}},
          side(),
          {"location", {"Location", "Localización", "Localització"}, false, clock},
          {"finding",
           {"Finding", "Hallazgo", "Troballa"},
           false,
           {{"mass", {"mass", "nódulo", "nòdul"}},
            {"calcifications", {"calcifications", "calcificaciones", "calcificacions"}},
            {"asymmetry", {"asymmetry", "asimetría", "asimetria"}},
            {"focal_asymmetry", {"focal asymmetry", "asimetría focal", "asimetria focal"}},
            {"distortion", {"architectural distortion", "distorsión arquitectural", "distorsió arquitectural"}},
            {"lymph_node", {"intramammary lymph node", "ganglio intramamario", "gangli intramamari"}},
            {"duct", {"solitary dilated duct", "conducto dilatado solitario", "conducte dilatat solitari"}}}},
          {"shape",
           {"Shape", "Forma", "Forma"},
           false,
           {{"oval", {"oval", "oval", "oval"}}, {"round", {"round", "redonda", "rodona"}},
            {"irregular", {"irregular", "irregular", "irregular"}}}},
          {"margin",
           {"Margin", "Margen", "Marge"},
           false,
           {{"circumscribed", {"circumscribed", "circunscrito", "circumscrit"}},
            {"obscured", {"obscured", "oscurecido", "enfosquit"}},
            {"microlobulated", {"microlobulated", "microlobulado", "microlobulat"}},
            {"indistinct", {"indistinct", "mal definido", "mal definit"}},
            {"spiculated", {"spiculated", "espiculado", "espiculat"}}}},
          {"calcification_morphology",
           {"Calcification morphology", "Morfología de las calcificaciones", "Morfologia de les calcificacions"},
           false,
           {{"benign", {"typically benign", "típicamente benignas", "típicament benignes"}},
            {"amorphous", {"amorphous", "amorfas", "amorfes"}},
            {"coarse_heterogeneous", {"coarse heterogeneous", "gruesas heterogéneas", "gruixudes heterogènies"}},
            {"fine_pleomorphic", {"fine pleomorphic", "finas pleomórficas", "fines pleomòrfiques"}},
            {"fine_linear", {"fine linear or fine-linear branching", "finas lineales o ramificadas",
                             "fines lineals o ramificades"}}}},
          {"composition",
           {"Breast composition", "Densidad mamaria", "Densitat mamària"},
           false,
           {{"a", {"a: almost entirely fatty", "a: casi totalmente grasa", "a: gairebé totalment greixosa"}},
            {"b", {"b: scattered fibroglandular density", "b: densidades fibroglandulares dispersas",
                   "b: densitats fibroglandulars disperses"}},
            {"c", {"c: heterogeneously dense", "c: heterogéneamente densa", "c: heterogèniament densa"}},
            {"d", {"d: extremely dense", "d: extremadamente densa", "d: extremadament densa"}}}},
          size_mm(),
      },
      "assessment"};
}

Vocabulary lung_rads() {
  return {"lungrads",
          "Lung-RADS",
          {"Lung cancer screening (Lung-RADS v2022)", "Cribado de cáncer de pulmón (Lung-RADS v2022)",
           "Cribratge de càncer de pulmó (Lung-RADS v2022)"},
          {{"category",
            {"Category", "Categoría", "Categoria"},
            true,
            {{"0", {"Incomplete", "Incompleto", "Incomplet"},
              {"Additional screening CT images or comparison with prior CT", "Completar imágenes o comparar con TC previa",
               "Completar imatges o comparar amb TC prèvia"}},
             {"1", {"Negative", "Negativo", "Negatiu"}, {"12-month screening LDCT", "TCBD de cribado en 12 meses",
                                                         "TCBD de cribratge en 12 mesos"}},
             {"2", {"Benign", "Benigno", "Benigne"}, {"12-month screening LDCT", "TCBD de cribado en 12 meses",
                                                      "TCBD de cribratge en 12 mesos"}},
             {"3", {"Probably benign", "Probablemente benigno", "Probablement benigne"},
              {"6-month LDCT", "TCBD en 6 meses", "TCBD en 6 mesos"}},
             {"4A", {"Suspicious", "Sospechoso", "Sospitós"},
              {"3-month LDCT; PET/CT if there is a solid component of 8 mm or more",
               "TCBD en 3 meses; PET/TC si hay un componente sólido de 8 mm o más",
               "TCBD en 3 mesos; PET/TC si hi ha un component sòlid de 8 mm o més"}},
             {"4B", {"Very suspicious", "Muy sospechoso", "Molt sospitós"},
              {"Diagnostic chest CT, PET/CT and/or tissue sampling", "TC diagnóstica, PET/TC y/o biopsia",
               "TC diagnòstica, PET/TC i/o biòpsia"}},
             {"4X", {"Very suspicious, with additional features", "Muy sospechoso, con rasgos adicionales",
                     "Molt sospitós, amb trets addicionals"},
              {"Diagnostic chest CT, PET/CT and/or tissue sampling", "TC diagnóstica, PET/TC y/o biopsia",
               "TC diagnòstica, PET/TC i/o biòpsia"}}}},
           {"nodule",
            {"Nodule", "Nódulo", "Nòdul"},
            false,
            {{"solid", {"solid", "sólido", "sòlid"}},
             {"part_solid", {"part-solid", "parcialmente sólido", "parcialment sòlid"}},
             {"ground_glass", {"ground-glass", "en vidrio deslustrado", "en vidre esmerilat"}}}},
           {"lobe",
            {"Lobe", "Lóbulo", "Lòbul"},
            false,
            {{"RUL", {"right upper lobe", "lóbulo superior derecho", "lòbul superior dret"}},
             {"RML", {"right middle lobe", "lóbulo medio", "lòbul mitjà"}},
             {"RLL", {"right lower lobe", "lóbulo inferior derecho", "lòbul inferior dret"}},
             {"LUL", {"left upper lobe", "lóbulo superior izquierdo", "lòbul superior esquerre"}},
             {"LLL", {"left lower lobe", "lóbulo inferior izquierdo", "lòbul inferior esquerre"}}}},
           {"significant_other",
            {"Other significant finding (S)", "Otro hallazgo significativo (S)", "Altra troballa significativa (S)"},
            false,
            {{"S", {"present", "presente", "present"}}}},
           size_mm(100)},
          "category"};
}

Vocabulary ti_rads() {
  const Label fna15 = {"FNA if 1.5 cm or larger; follow-up if 1 cm or larger", "PAAF si mide 1,5 cm o más; control si 1 cm o más",
                       "PAAF si fa 1,5 cm o més; control si 1 cm o més"};
  return {"tirads",
          "TI-RADS",
          {"Thyroid nodule (ACR TI-RADS)", "Nódulo tiroideo (ACR TI-RADS)", "Nòdul tiroïdal (ACR TI-RADS)"},
          {{"lobe",
            {"Lobe", "Lóbulo", "Lòbul"},
            false,
            {{"R", {"right lobe", "lóbulo derecho", "lòbul dret"}},
             {"L", {"left lobe", "lóbulo izquierdo", "lòbul esquerre"}},
             {"isthmus", {"isthmus", "istmo", "istme"}}}},
           {"composition",
            {"Composition", "Composición", "Composició"},
            true,
            {{"cystic", {"cystic or spongiform", "quístico o espongiforme", "quístic o espongiforme"}, {}, 0},
             {"mixed", {"mixed cystic and solid", "mixto quístico y sólido", "mixt quístic i sòlid"}, {}, 1},
             {"solid", {"solid", "sólido", "sòlid"}, {}, 2}}},
           {"echogenicity",
            {"Echogenicity", "Ecogenicidad", "Ecogenicitat"},
            true,
            {{"anechoic", {"anechoic", "anecoico", "anecoic"}, {}, 0},
             {"iso", {"hyperechoic or isoechoic", "hiperecoico o isoecoico", "hiperecoic o isoecoic"}, {}, 1},
             {"hypo", {"hypoechoic", "hipoecoico", "hipoecoic"}, {}, 2},
             {"very_hypo", {"very hypoechoic", "muy hipoecoico", "molt hipoecoic"}, {}, 3}}},
           {"shape",
            {"Shape", "Forma", "Forma"},
            true,
            {{"wider", {"wider than tall", "más ancho que alto", "més ample que alt"}, {}, 0},
             {"taller", {"taller than wide", "más alto que ancho", "més alt que ample"}, {}, 3}}},
           {"margin",
            {"Margin", "Margen", "Marge"},
            true,
            {{"smooth", {"smooth", "liso", "llis"}, {}, 0},
             {"ill_defined", {"ill-defined", "mal definido", "mal definit"}, {}, 0},
             {"lobulated", {"lobulated or irregular", "lobulado o irregular", "lobulat o irregular"}, {}, 2},
             {"extension", {"extra-thyroidal extension", "extensión extratiroidea", "extensió extratiroïdal"}, {}, 3}}},
           // Echogenic foci are all that apply, their points added: each kind present or not.
           {"macrocalcifications",
            {"Macrocalcifications", "Macrocalcificaciones", "Macrocalcificacions"},
            false,
            {{"present", {"present", "presentes", "presents"}, {}, 1}}},
           {"rim_calcifications",
            {"Peripheral (rim) calcifications", "Calcificaciones periféricas", "Calcificacions perifèriques"},
            false,
            {{"present", {"present", "presentes", "presents"}, {}, 2}}},
           {"punctate_foci",
            {"Punctate echogenic foci", "Focos ecogénicos puntiformes", "Focus ecogènics puntiformes"},
            false,
            {{"present", {"present", "presentes", "presents"}, {}, 3}}},
           size_mm(100)},
          "",
          {{0, {"TR1", {"Benign", "Benigno", "Benigne"}, {"No FNA", "No requiere PAAF", "No requereix PAAF"}}},
           {2, {"TR2", {"Not suspicious", "No sospechoso", "No sospitós"}, {"No FNA", "No requiere PAAF", "No requereix PAAF"}}},
           {3, {"TR3", {"Mildly suspicious", "Levemente sospechoso", "Lleument sospitós"},
                {"FNA if 2.5 cm or larger; follow-up if 1.5 cm or larger", "PAAF si mide 2,5 cm o más; control si 1,5 cm o más",
                 "PAAF si fa 2,5 cm o més; control si 1,5 cm o més"}}},
           {4, {"TR4", {"Moderately suspicious", "Moderadamente sospechoso", "Moderadament sospitós"}, fna15}},
           {7, {"TR5", {"Highly suspicious", "Altamente sospechoso", "Altament sospitós"},
                {"FNA if 1 cm or larger; follow-up if 0.5 cm or larger", "PAAF si mide 1 cm o más; control si 0,5 cm o más",
                 "PAAF si fa 1 cm o més; control si 0,5 cm o més"}}}}};
}

Vocabulary li_rads() {
  const Label mdd = {"Multidisciplinary discussion", "Comité multidisciplinar", "Comitè multidisciplinari"};
  std::vector<Term> segments;
  static const char* names[] = {"1", "2", "3", "4", "5", "6", "7", "8"};
  static const char* labels[] = {"segment 1", "segment 2", "segment 3", "segment 4",
                                 "segment 5", "segment 6", "segment 7", "segment 8"};
  static const char* es[] = {"segmento 1", "segmento 2", "segmento 3", "segmento 4",
                             "segmento 5", "segmento 6", "segmento 7", "segmento 8"};
  for (int i = 0; i < 8; ++i) segments.push_back({names[i], {labels[i], es[i], labels[i]}});
  return {"lirads",
          "LI-RADS",
          {"Liver observation (LI-RADS v2018)", "Observación hepática (LI-RADS v2018)", "Observació hepàtica (LI-RADS v2018)"},
          {{"category",
            {"Category", "Categoría", "Categoria"},
            true,
            {{"LR-NC", {"Not categorizable", "No categorizable", "No categoritzable"},
              {"Repeat or alternative imaging in 3 months or less", "Repetir o cambiar de técnica en 3 meses o menos",
               "Repetir o canviar de tècnica en 3 mesos o menys"}},
             {"LR-1", {"Definitely benign", "Definitivamente benigna", "Definitivament benigna"},
              {"Return to surveillance", "Volver a vigilancia", "Tornar a vigilància"}},
             {"LR-2", {"Probably benign", "Probablemente benigna", "Probablement benigna"},
              {"Return to surveillance", "Volver a vigilancia", "Tornar a vigilància"}},
             {"LR-3", {"Intermediate probability of malignancy", "Probabilidad intermedia de malignidad",
                       "Probabilitat intermèdia de malignitat"},
              {"Repeat or alternative imaging in 3 to 6 months", "Repetir o cambiar de técnica en 3 a 6 meses",
               "Repetir o canviar de tècnica en 3 a 6 mesos"}},
             {"LR-4", {"Probably HCC", "Probable CHC", "Probable CHC"}, mdd},
             {"LR-5", {"Definitely HCC", "CHC definitivo", "CHC definitiu"}, mdd},
             {"LR-M", {"Probably or definitely malignant, not HCC specific", "Maligna, no específica de CHC",
                       "Maligna, no específica de CHC"}, mdd},
             {"LR-TIV", {"Tumour in vein", "Tumor en vena", "Tumor en vena"}, mdd}}},
           {"segment", {"Segment", "Segmento", "Segment"}, false, segments},
           {"aphe",
            {"Arterial phase hyperenhancement", "Realce en fase arterial", "Realç en fase arterial"},
            false,
            {{"yes", {"present", "presente", "present"}}, {"no", {"absent", "ausente", "absent"}}}},
           {"washout",
            {"Washout", "Lavado", "Rentat"},
            false,
            {{"yes", {"present", "presente", "present"}}, {"no", {"absent", "ausente", "absent"}}}},
           {"capsule",
            {"Enhancing capsule", "Cápsula", "Càpsula"},
            false,
            {{"yes", {"present", "presente", "present"}}, {"no", {"absent", "ausente", "absent"}}}},
           size_mm(200)},
          "category"};
}

Vocabulary pi_rads() {
  const Label biopsy = {"Biopsy to be considered", "Valorar biopsia", "Valorar biòpsia"};
  return {"pirads",
          "PI-RADS",
          {"Prostate MRI (PI-RADS v2.1)", "RM de próstata (PI-RADS v2.1)", "RM de pròstata (PI-RADS v2.1)"},
          {{"score",
            {"Assessment", "Categoría", "Categoria"},
            true,
            {{"1", {"Very low: clinically significant cancer highly unlikely", "Muy baja: cáncer significativo muy improbable",
                    "Molt baixa: càncer significatiu molt improbable"}, {}},
             {"2", {"Low: clinically significant cancer unlikely", "Baja: cáncer significativo improbable",
                    "Baixa: càncer significatiu improbable"}, {}},
             {"3", {"Intermediate: equivocal", "Intermedia: dudosa", "Intermèdia: dubtosa"},
              {"Biopsy depending on other risk factors (PSA density, clinical risk)",
               "Biopsia según otros factores de riesgo (densidad de PSA, riesgo clínico)",
               "Biòpsia segons altres factors de risc (densitat de PSA, risc clínic)"}},
             {"4", {"High: clinically significant cancer likely", "Alta: cáncer significativo probable",
                    "Alta: càncer significatiu probable"}, biopsy},
             {"5", {"Very high: clinically significant cancer highly likely", "Muy alta: cáncer significativo muy probable",
                    "Molt alta: càncer significatiu molt probable"}, biopsy}}},
           {"zone",
            {"Zone", "Zona", "Zona"},
            false,
            {{"PZ", {"peripheral zone", "zona periférica", "zona perifèrica"}},
             {"TZ", {"transition zone", "zona transicional", "zona de transició"}},
             {"CZ", {"central zone", "zona central", "zona central"}},
             {"AFS", {"anterior fibromuscular stroma", "estroma fibromuscular anterior", "estroma fibromuscular anterior"}}}},
           {"side",
            {"Side", "Lado", "Costat"},
            false,
            {{"R", {"right", "derecho", "dret"}}, {"L", {"left", "izquierdo", "esquerre"}},
             {"midline", {"midline", "línea media", "línia mitjana"}}}},
           {"epe",
            {"Extraprostatic extension", "Extensión extraprostática", "Extensió extraprostàtica"},
            false,
            {{"yes", {"suspected", "sospechada", "sospitada"}}, {"no", {"not seen", "no se observa", "no s'observa"}}}},
           size_mm(100)},
          "score"};
}

Vocabulary tnm() {
  auto terms = [](std::initializer_list<const char*> codes) {
    std::vector<Term> out;
    for (const char* c : codes) out.push_back({c, {c, c, c}});
    return out;
  };
  return {"tnm",
          "TNM",
          {"TNM staging (8th edition)", "Estadificación TNM (8.ª edición)", "Estadificació TNM (8a edició)"},
          {{"t", {"Primary tumour (T)", "Tumor primario (T)", "Tumor primari (T)"}, true,
            terms({"TX", "T0", "Tis", "T1", "T1mi", "T1a", "T1b", "T1c", "T2", "T2a", "T2b", "T2c", "T3", "T3a", "T3b",
                   "T3c", "T3d", "T4", "T4a", "T4b", "T4c", "T4d"})},
           // N and M as far as imaging has assessed them.
           {"n", {"Regional nodes (N)", "Ganglios regionales (N)", "Ganglis regionals (N)"}, false,
            terms({"NX", "N0", "N1", "N1mi", "N1a", "N1b", "N1c", "N2", "N2a", "N2b", "N2c", "N3", "N3a", "N3b", "N3c"})},
           {"m", {"Distant metastasis (M)", "Metástasis a distancia (M)", "Metàstasi a distància (M)"}, false,
            terms({"M0", "M1", "M1a", "M1b", "M1c", "M1d"})},
           {"prefix", {"Basis", "Base", "Base"}, false,
            {{"c", {"clinical (c)", "clínica (c)", "clínica (c)"}},
             {"yc", {"clinical, after neoadjuvant therapy (yc)", "clínica, tras tratamiento neoadyuvante (yc)",
                     "clínica, després de tractament neoadjuvant (yc)"}},
             {"rc", {"clinical, at recurrence (rc)", "clínica, en la recidiva (rc)", "clínica, en la recidiva (rc)"}}}}},
          ""};
}

const Term* term(const VocabularyField& f, std::string_view code) {
  auto it = std::ranges::find(f.choices, code, &Term::code);
  return it == f.choices.end() ? nullptr : &*it;
}

std::optional<double> number(std::string_view text) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// "12", "12.5": a size as printed.
std::string number_text(std::string_view value) {
  auto v = number(value);
  if (!v) return std::string(value);
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, std::round(*v * 10) / 10);
  return ec == std::errc() ? std::string(buf, end) : std::string(value);
}

// TI-RADS: the level of the points its features add up to.
const Term* counted_level(const Vocabulary& v, const CodedFinding& f) {
  int points = 0;
  for (const auto& field : v.fields)
    if (const Term* t = field.numeric() ? nullptr : term(field, f.value(field.key))) points += t->points;
  const Term* level = nullptr;
  for (const auto& [least, t] : v.levels)
    if (points >= least) level = &t;
  return level;
}

}  // namespace

const std::vector<Vocabulary>& vocabularies() {
  static const std::vector<Vocabulary> all = {birads(), lung_rads(), ti_rads(), li_rads(), pi_rads(), tnm()};
  return all;
}

const Vocabulary* vocabulary(std::string_view key) {
  auto it = std::ranges::find(vocabularies(), key, &Vocabulary::key);
  return it == vocabularies().end() ? nullptr : &*it;
}

std::vector<FieldError> check_finding(const CodedFinding& finding, size_t index) {
  const std::string at = "findings/" + std::to_string(index);
  const Vocabulary* v = vocabulary(finding.system);
  if (!v) return {{at + "/system", "unknown", "Not a system of structured findings: " + finding.system}};
  std::vector<FieldError> out;
  std::vector<std::string> seen;
  for (const auto& [key, value] : finding.values) {
    auto field = std::ranges::find(v->fields, key, &VocabularyField::key);
    if (field == v->fields.end()) {
      out.push_back({at + "/" + key.substr(0, 40), "unknown", v->name + " has no field " + key.substr(0, 40)});
      continue;
    }
    if (std::ranges::find(seen, key) != seen.end()) {
      out.push_back({at + "/" + key, "duplicate", "Each field is given once"});
      continue;
    }
    seen.push_back(key);
    if (value.size() > 32) {
      out.push_back({at + "/" + key, "too_long", "A value has at most 32 characters"});
    } else if (field->numeric()) {
      auto n = number(value);
      if (!n || *n < field->min || *n > field->max)
        out.push_back({at + "/" + key, "range", field->label.en + std::string(" is a number from ") +
                                                    number_text(std::to_string(field->min)) + " to " +
                                                    number_text(std::to_string(field->max)) + " " + field->unit});
    } else if (!term(*field, value)) {
      std::string codes;
      for (const auto& t : field->choices) codes += (codes.empty() ? "" : ", ") + t.code;
      out.push_back({at + "/" + key, "vocabulary",
                     "'" + value.substr(0, 20) + "' is not a term of " + v->name + " for " + field->label.en + ": " +
                         (field->choices.size() <= 20 ? "one of " + codes : std::string("choose one of its terms"))});
    }
  }
  for (const auto& field : v->fields)
    if (field.required && finding.value(field.key).empty() && std::ranges::find(seen, field.key) == seen.end())
      out.push_back({at + "/" + field.key, "required", v->name + " needs its " + field.label.en});
  return out;
}

FindingText describe(const CodedFinding& finding, std::string_view language) {
  FindingText out;
  const Vocabulary* v = vocabulary(finding.system);
  if (!v) return out;
  const Term* category = nullptr;
  if (v->category_field.empty()) {
    category = counted_level(*v, finding);
  } else if (auto f = std::ranges::find(v->fields, v->category_field, &VocabularyField::key); f != v->fields.end()) {
    category = term(*f, finding.value(v->category_field));
  }
  if (category) {
    out.category = v->name + " " + category->code + ": " + category->label.in(language);
    out.management = category->management.in(language);
  } else if (v->key == "tnm") {
    out.category = v->name + " " + finding.value("prefix") + finding.value("t");
    for (const char* part : {"n", "m"})
      if (!finding.value(part).empty()) out.category += " " + finding.value(part);
  }
  for (const auto& field : v->fields) {
    if (field.key == v->category_field || (v->key == "tnm")) continue;
    const std::string value = finding.value(field.key);
    if (value.empty()) continue;
    std::string shown;
    if (field.numeric()) shown = number_text(value) + " " + field.unit;
    else if (const Term* t = term(field, value)) shown = t->label.in(language);
    else continue;
    out.description += (out.description.empty() ? "" : "; ") + field.label.in(language) + ": " + shown;
  }
  return out;
}

std::string FindingText::sentence() const {
  std::string out = category;
  if (!description.empty()) out += (out.empty() ? "" : ". ") + description;
  if (!management.empty()) out += (out.empty() ? "" : ". ") + management;
  return out.empty() ? out : out + ".";
}

}  // namespace vireo::reporting
