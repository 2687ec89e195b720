#include "reporting/sign_checks.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "reporting/templates.hpp"

namespace vireo::reporting {

namespace {

// The words for each side in the clinic's three languages (reports and procedure names).
constexpr std::array kLeftWords = {"left",      "izquierda", "izquierdo", "izquierdas", "izquierdos",
                                   "esquerra",  "esquerre",  "esquerres", "esquerros"};
constexpr std::array kRightWords = {"right", "derecha", "derecho", "derechas", "derechos", "dreta", "dret", "dretes", "drets"};
constexpr std::array kBothWords = {"bilateral", "bilaterales", "bilaterals"};
// As procedure names abbreviate them (in a report's text, "rt" is as likely radiotherapy).
constexpr std::array kLeftAbbreviations = {"lt", "izq", "izqda", "izqdo", "izda", "izdo", "esq", "esqr"};
constexpr std::array kRightAbbreviations = {"rt", "dcha", "dcho", "dch", "der", "dta"};

// Paired parts of the body, as procedure names say them (singular and plural; UTF-8 lower case).
constexpr std::array kPairedParts = {
    "breast", "breasts", "mama", "mamas", "mammography", "mammogram", "mamografía", "mamografia", "knee", "knees", "rodilla", "rodillas", "genoll", "genolls", "hip", "hips",
    "cadera", "caderas", "maluc", "malucs", "shoulder", "shoulders", "hombro", "hombros", "espatlla", "espatlles",
    "elbow", "elbows", "codo", "codos", "colze", "colzes", "wrist", "wrists", "muñeca", "muñecas", "canell",
    "canells", "hand", "hands", "mano", "manos", "mà", "mans", "ankle", "ankles", "tobillo", "tobillos", "turmell",
    "turmells", "foot", "feet", "pie", "pies", "peu", "peus", "femur", "fémur", "tibia", "humerus", "húmero", "húmer",
    "forearm", "antebrazo", "avantbraç", "leg", "pierna", "cama", "arm", "brazo", "braç", "clavicle", "clavícula",
    "kidney", "riñón", "ronyó", "ovary", "ovario", "ovari", "testicle", "testículo", "testicle", "orbit", "órbita"};

template <size_t N>
bool contains(const std::array<const char*, N>& words, std::string_view word) {
  return std::ranges::any_of(words, [&](const char* w) { return word == w; });
}

// Calls `word` with each word of `text`, in lower case. The bytes of UTF-8 letters belong to
// their word.
template <typename F>
void for_each_word(std::string_view text, F&& word) {
  std::string w;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80) {
      w += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!w.empty()) {
      word(std::string_view(w));
      w.clear();
    }
  }
  if (!w.empty()) word(std::string_view(w));
}

Side word_side(std::string_view word, bool abbreviations = false) {
  if (contains(kLeftWords, word) || (abbreviations && contains(kLeftAbbreviations, word))) return Side::Left;
  if (contains(kRightWords, word) || (abbreviations && contains(kRightAbbreviations, word))) return Side::Right;
  if (contains(kBothWords, word)) return Side::Both;
  return Side::None;
}

bool names_side(std::string_view text, Side side) {
  bool named = false;
  for_each_word(text, [&](std::string_view w) { named = named || word_side(w) == side; });
  return named;
}

Side combine(Side a, Side b) {
  if (a == Side::None) return b;
  if (b == Side::None || a == b) return a;
  return Side::Both;
}

// The classifications a report's text may name, as their names read without hyphens or spaces.
struct Classification {
  const char* system;
  const char* name;
  const char* word;
};
constexpr Classification kClassifications[] = {{"birads", "BI-RADS", "birads"},
                                               {"lungrads", "Lung-RADS", "lungrads"},
                                               {"tirads", "TI-RADS", "tirads"},
                                               {"lirads", "LI-RADS", "lirads"},
                                               {"pirads", "PI-RADS", "pirads"}};

std::string squeezed_lower(std::string_view text) {
  std::string out;
  for (char c : text)
    if (c != '-' && c != ' ' && c != '_') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The side as the API names it.
const char* side_code_word(Side s) {
  return s == Side::Left ? "left" : s == Side::Right ? "right" : s == Side::Both ? "both" : "";
}

Side opposite(Side s) {
  return s == Side::Left ? Side::Right : s == Side::Right ? Side::Left : Side::None;
}

Side side_code(std::string_view code) {
  if (code == "L") return Side::Left;
  if (code == "R") return Side::Right;
  if (code == "B") return Side::Both;
  return Side::None;
}

const char* section_name(const std::string& key) {
  static const std::pair<const char*, const char*> names[] = {
      {"indication", "clinical information"}, {"technique", "technique"}, {"comparison", "comparison"},
      {"findings", "findings"},               {"impression", "impression"}, {"addendum", "addendum"}};
  for (const auto& [k, name] : names)
    if (key == k) return name;
  return "text";
}

void side_checks(const ReportContent& content, Side exam, std::vector<SignCheck>& out) {
  if (exam != Side::Left && exam != Side::Right) return;  // no side, or both: nothing to contradict
  const Side wrong = opposite(exam);
  for (size_t i = 0; i < content.findings.size(); ++i) {
    const Side named = side_code(content.findings[i].value("laterality"));
    if (named == Side::None || named == exam) continue;
    out.push_back({"finding_side", kSignBlock, "findings/" + std::to_string(i) + "/laterality",
                   std::string("A structured finding is on the ") + side_word(named) + "; this exam is of the " +
                       side_word(exam) + " side",
                   side_code_word(exam), side_code_word(named)});
  }
  for (const ReportSection& s : content.sections) {
    if (!names_side(s.text, wrong)) continue;
    out.push_back({"text_side", kSignWarn, s.key,
                   std::string("The ") + section_name(s.key) + " name" + (s.key == "findings" ? "" : "s") + " the " +
                       side_word(wrong) + " side; this exam is of the " + side_word(exam) + " side",
                   side_code_word(exam), side_code_word(wrong)});
  }
}

}  // namespace

Side side_named_in(std::string_view text, bool abbreviations) {
  Side side = Side::None;
  for_each_word(text, [&](std::string_view w) {
    const Side named = word_side(w, abbreviations);
    side = named == Side::Both ? Side::Both : combine(side, named);
  });
  return side;
}

Side side_of_images(const std::vector<std::string>& codes) {
  Side side = Side::None;
  for (const std::string& c : codes) side = combine(side, side_code(c));
  return side;
}

const char* side_word(Side side) {
  switch (side) {
    case Side::Left: return "left";
    case Side::Right: return "right";
    case Side::Both: return "both sides";
    case Side::None: break;
  }
  return "no side";
}

namespace {

// A blank still in the text: a placeholder is never signed, whatever template the text came
// from or says it is from now. One the template requires (MRRT's PROHIBIT) is to be filled in
// (field_required); any other, filled in or deleted (field_unfilled).
void blank_checks(const ReportContent& content, const ReportTemplate* t, std::vector<SignCheck>& out) {
  for (const ReportSection& s : content.sections)
    for (const std::string& label : blanks_in(s.text)) {
      const bool required = t && std::ranges::any_of(t->fields, [&](const TemplateField& f) {
        return f.label == label && f.completion == "PROHIBIT";
      });
      out.push_back({required ? "field_required" : "field_unfilled", kSignBlock, s.key,
                     std::string("The ") + section_name(s.key) + " still " + (s.key == "findings" ? "have" : "has") +
                         " the blank “" + label + "”" +
                         (required ? ", which the template requires: fill it in" : ": fill it in, or delete it if it does not apply"),
                     "", "", label});
    }
}

}  // namespace

bool paired_part_named(std::string_view text) {
  bool named = false;
  for_each_word(text, [&](std::string_view w) { named = named || contains(kPairedParts, w); });
  return named;
}

std::vector<SignCheck> sign_checks(const ReportContent& content, const ExamSides& sides, bool addendum,
                                   std::string_view modality, const ReportTemplate* written_from) {
  std::vector<SignCheck> out;
  const Side exam = sides.exam();
  side_checks(content, exam, out);
  if (sides.paired && exam == Side::None && !addendum)
    out.push_back({"side_unknown", kSignWarn, "",
                   "Neither the order nor the images say which side this exam is of: no side check could run. Check "
                   "that the report names the side examined"});
  const bool unilateral_order = sides.ordered == Side::Left || sides.ordered == Side::Right;
  if (unilateral_order && sides.imaged != Side::None && sides.imaged != sides.ordered)
    out.push_back({"images_side", kSignWarn, "", std::string("The images are of the ") + side_word(sides.imaged) +
                                                     "; the exam was ordered for the " + side_word(sides.ordered) +
                                                     " side",
                                                 side_code_word(sides.ordered), side_code_word(sides.imaged)});
  auto lacks = [&](const std::string& system) {
    return std::ranges::none_of(content.findings, [&](const CodedFinding& f) { return f.system == system; });
  };
  // A classification named in the text only: the rules that read structured findings (release of
  // a sensitive result, the mammography letter) would not see it.
  for (const ReportSection& s : content.sections) {
    const std::string squeezed = squeezed_lower(s.text);
    for (const auto& [system, name, word] : kClassifications) {
      if (squeezed.find(word) == std::string::npos || !lacks(system)) continue;
      out.push_back({"finding_uncoded", kSignWarn, s.key,
                     std::string("The ") + section_name(s.key) + (s.key == "findings" ? " name " : " names ") + name +
                         " but no structured finding records it: add it under Structured findings"});
      break;
    }
  }
  if (!addendum && modality == "MG" && lacks("birads")) {
    // MQSA (21 CFR 900.12(c)): every mammography report states its assessment category.
    out.push_back({"finding_required", kSignBlock, "findings",
                   "A mammography report states its BI-RADS assessment: add it as a structured finding"});
  } else if (!addendum) {
    const ReportTemplate* t = written_from;
    if (t && !t->findings_system.empty() && !t->findings_rule.empty() && lacks(t->findings_system))
      out.push_back({"finding_required", t->findings_rule, "findings",
                     "The " + t->name + " template asks for a structured finding (" + t->findings_system + ")"});
  }
  blank_checks(content, written_from, out);
  std::ranges::stable_partition(out, [](const SignCheck& c) { return c.level == kSignBlock; });
  return out;
}

std::string acknowledgement_of(const SignCheck& check) {
  return check.field.empty() ? check.rule : check.rule + "/" + check.field;
}

const SignCheck* stopping_check(const std::vector<SignCheck>& checks, const std::vector<std::string>& acknowledged) {
  for (const SignCheck& c : checks) {
    if (c.level == kSignBlock) return &c;
    if (std::ranges::find(acknowledged, c.rule) == acknowledged.end() &&
        std::ranges::find(acknowledged, acknowledgement_of(c)) == acknowledged.end())
      return &c;
  }
  return nullptr;
}

}  // namespace vireo::reporting
