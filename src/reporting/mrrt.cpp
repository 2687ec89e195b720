#include "reporting/mrrt.hpp"

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <set>

#include "core/strings.hpp"

namespace vireo::reporting {

namespace {

constexpr std::string_view kVireoUrn = "urn:vireo:template:";

// ---- libxml2, as small RAII helpers ----

struct DocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using Doc = std::unique_ptr<xmlDoc, DocFree>;

Doc parse_html(std::string_view text) {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
  return Doc(htmlReadMemory(text.data(), static_cast<int>(text.size()), nullptr, "UTF-8",
                            HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET));
}

std::string name_of(const xmlNode* n) { return n && n->name ? reinterpret_cast<const char*>(n->name) : ""; }

std::string attr(const xmlNode* n, const char* name) {
  xmlChar* v = xmlGetProp(n, reinterpret_cast<const xmlChar*>(name));
  if (!v) return "";
  std::string out(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return out;
}

bool has_attr(const xmlNode* n, const char* name) {
  return xmlHasProp(n, reinterpret_cast<const xmlChar*>(name)) != nullptr;
}

std::string content_of(const xmlNode* n) {
  xmlChar* v = xmlNodeGetContent(n);
  if (!v) return "";
  std::string out(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return out;
}

std::string lower(std::string s) {
  std::ranges::transform(s, s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string upper(std::string s) {
  std::ranges::transform(s, s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

// Runs of white space as one space, and none at either end.
std::string squeezed(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// Every element under `n`, in document order; without recursion, so that a file nested
// thousands deep cannot exhaust the stack.
template <typename F>
void each_element(xmlNode* n, const F& f) {
  if (!n) return;
  xmlNode* c = n->children;
  while (c) {
    if (c->type == XML_ELEMENT_NODE) f(c);
    if (c->type == XML_ELEMENT_NODE && c->children) {
      c = c->children;
      continue;
    }
    while (c && !c->next && c != n) c = c->parent;
    if (!c || c == n) break;
    c = c->next;
  }
}

xmlNode* first(xmlNode* under, std::string_view name) {
  xmlNode* found = nullptr;
  each_element(under, [&](xmlNode* c) {
    if (!found && name_of(c) == name) found = c;
  });
  return found;
}

std::vector<xmlNode*> all(xmlNode* under, std::string_view name) {
  std::vector<xmlNode*> out;
  each_element(under, [&](xmlNode* c) {
    if (name_of(c) == name) out.push_back(c);
  });
  return out;
}

// How many times <tag appears as a start tag: libxml2 folds a second <head> into the first, so
// the structure MRRT requires is checked on the text.
size_t start_tags(std::string_view html, std::string_view tag) {
  size_t n = 0;
  for (size_t at = html.find('<'); at != std::string_view::npos; at = html.find('<', at + 1)) {
    if (html.size() - at < tag.size() + 2) break;
    bool same = true;
    for (size_t i = 0; i < tag.size() && same; ++i)
      same = std::tolower(static_cast<unsigned char>(html[at + 1 + i])) == tag[i];
    const char after = html[at + 1 + tag.size()];
    if (same && (after == '>' || after == '/' || std::isspace(static_cast<unsigned char>(after)))) ++n;
  }
  return n;
}

// ---- what the template's words say ----

// A section's name as one of the report's standard sections, in the languages Vireo speaks.
std::string standard_key(const std::string& name) {
  const std::string n = lower(name);
  auto has = [&](std::initializer_list<const char*> words) {
    return std::ranges::any_of(words, [&](const char* w) { return n.find(w) != std::string::npos; });
  };
  if (has({"clinical", "history", "indication", "reason", "clínic", "indicación", "indicació", "anamnes"}))
    return "indication";
  if (has({"comparison", "prior", "comparación", "comparació"})) return "comparison";
  if (has({"technique", "procedure", "protocol", "técnica", "tècnica", "procedimiento"})) return "technique";
  if (has({"finding", "observation", "hallazgo", "troball", "descripció", "descripción"})) return "findings";
  if (has({"impression", "conclusion", "conclusión", "conclusió", "impresión", "diagnos"})) return "impression";
  return "";
}

std::string slug(const std::string& s) {
  std::string out;
  for (unsigned char c : lower(s)) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) out += static_cast<char>(c);
    else if (!out.empty() && out.back() != '_') out += '_';
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out.substr(0, 40);
}

// The modality a coded term or a title names (DICOM's own codes first: CID 29).
void modalities_named(const std::string& words, std::vector<std::string>& out) {
  static const std::pair<const char*, std::vector<const char*>> kWords[] = {
      {"computed tomograph", {"CT"}}, {"magnetic resonance", {"MR"}}, {"ultraso", {"US"}},
      {"sonograph", {"US"}},          {"mammogra", {"MG"}},          {"radiograph", {"CR", "DX"}},
      {"x-ray", {"CR", "DX"}},        {"positron", {"PT"}},          {"nuclear medicine", {"NM"}},
      {"scintigra", {"NM"}},          {"fluoroscop", {"RF"}},        {"angiogra", {"XA"}}};
  const std::string w = lower(words);
  for (const auto& [word, codes] : kWords)
    if (w.find(word) != std::string::npos)
      for (const char* c : codes)
        if (std::ranges::find(out, c) == out.end()) out.emplace_back(c);
}

void modalities_in_title(const std::string& title, std::vector<std::string>& out) {
  static const std::pair<std::regex, std::vector<const char*>> kAbbreviations[] = {
      {std::regex("\\bCT\\b"), {"CT"}}, {std::regex("\\bMRI?\\b"), {"MR"}}, {std::regex("\\bUS\\b"), {"US"}},
      {std::regex("\\bPET\\b"), {"PT"}}};
  for (const auto& [re, codes] : kAbbreviations)
    if (std::regex_search(title, re))
      for (const char* c : codes)
        if (std::ranges::find(out, c) == out.end()) out.emplace_back(c);
  modalities_named(title, out);
}

std::string code_from_identifier(const std::string& identifier) {
  if (identifier.starts_with(kVireoUrn)) return identifier.substr(kVireoUrn.size(), 64);
  std::string tail = identifier;
  while (!tail.empty() && (tail.back() == '/' || tail.back() == ' ')) tail.pop_back();
  if (auto cut = tail.find_last_of("/:"); cut != std::string::npos) tail = tail.substr(cut + 1);
  std::string code = lower(identifier).find("radreport") != std::string::npos ? "RADREPORT-" : "MRRT-";
  for (unsigned char c : upper(tail)) code += std::isalnum(c) || c == '.' || c == '_' || c == '-' ? static_cast<char>(c) : '-';
  return code.substr(0, 64);
}

// ---- the body, rendered as the template fills it ----

// What a template holds at most (templates.hpp's rules; a report has at most 40 sections): a
// file past them is refused as it is read, before it costs time or memory.
constexpr size_t kMaxSectionsRead = 40, kMaxItemsRead = 200, kMaxTextRead = 20000, kMaxLabel = 120;

class SectionReader {
  static constexpr int kMaxDepth = 64;

 public:
  SectionReader(ReportTemplate& t, const std::map<std::string, xmlNode*>& by_id,
                const std::map<std::string, std::string>& labels, std::string& refusal)
      : t_(t), by_id_(by_id), labels_(labels), refusal_(refusal) {}

  void read(xmlNode* section, TemplateSection& into) {
    key_ = into.key;
    embed_ = &into.embed;
    text_.clear();
    walk(section, section);
    into.text = tidy(text_);
  }

 private:
  void newline() {
    if (!text_.empty() && text_.back() != '\n') text_ += '\n';
  }
  void add(const std::string& s) {
    if (s.empty() || !refusal_.empty()) return;
    if (text_.size() + s.size() > kMaxTextRead) {
      refusal_ = "A section's text is longer than 20,000 characters";
      return;
    }
    if (!text_.empty() && text_.back() != '\n' && text_.back() != ' ' && s.front() != ' ' && s.front() != ',' &&
        s.front() != '.' && s.front() != ':')
      text_ += ' ';
    text_ += s;
  }

  static std::string tidy(const std::string& s) {
    std::string out;
    size_t blank_lines = 0;
    size_t start = 0;
    while (start <= s.size()) {
      size_t end = s.find('\n', start);
      if (end == std::string::npos) end = s.size();
      std::string line = squeezed(s.substr(start, end - start));
      if (line.empty()) {
        if (++blank_lines == 1 && !out.empty()) out += '\n';
      } else {
        blank_lines = 0;
        if (!out.empty() && out.back() != '\n') out += '\n';
        out += line;
      }
      start = end + 1;
    }
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }

  std::string label_for(xmlNode* field) {
    std::string label = squeezed(attr(field, "name"));
    const std::string id = attr(field, "id");
    if (label.empty()) label = label_text(id);
    while (!label.empty() && (label.back() == ':' || label.back() == ' ')) label.pop_back();
    if (label.empty()) label = id.empty() ? "Field" : id;
    std::ranges::replace(label, '[', '(');
    std::ranges::replace(label, ']', ')');
    label = utf8_prefix(label, kMaxLabel);
    std::string unique = label;
    for (int n = 2; labels_used_.contains(unique); ++n) unique = label + " (" + std::to_string(n) + ")";
    labels_used_.insert(unique);
    return unique;
  }

  void blank(xmlNode* n, std::string type, std::vector<std::string> choices = {}) {
    if (t_.fields.size() >= kMaxItemsRead) {
      refusal_ = "The template has more than 200 fields";
      return;
    }
    TemplateField f;
    f.label = label_for(n);
    f.section = key_;
    const std::string declared = upper(attr(n, "data-field-type"));
    if (std::ranges::find(kFieldTypes, declared) != std::end(kFieldTypes) && declared != "TEXT") type = declared;
    f.type = std::move(type);
    f.choices = std::move(choices);
    f.units = utf8_prefix(squeezed(attr(n, "data-field-units")), 32);
    const std::string completion = upper(attr(n, "data-field-completion-action"));
    if (std::ranges::find(kFieldCompletions, completion) != std::end(kFieldCompletions)) f.completion = completion;
    f.merge = lower(attr(n, "data-field-merge-flag")) == "true";
    add(std::string(kFieldMarkOpen) + f.label + std::string(kFieldMarkClose));
    t_.fields.push_back(std::move(f));
  }

  // A checked box's text is stated; an unchecked one is a normal to insert. `around`: the text of
  // the <label> the box is in, when it is.
  void checkbox(xmlNode* n, const std::string& around = "") {
    std::string name = label_text(attr(n, "id"));
    if (name.empty()) name = around;
    std::string value = squeezed(attr(n, "value"));
    if (value.empty()) value = name.empty() ? squeezed(content_of(n)) : name;
    value = utf8_prefix(value, kMaxTextRead);
    if (value.empty()) return;
    if (has_attr(n, "checked")) {
      add(value);
      return;
    }
    if (t_.macros.size() >= kMaxItemsRead) {
      refusal_ = "The template has more than 200 choices to insert";
      return;
    }
    Macro m;
    const std::string id = attr(n, "id");
    const std::string base = id.starts_with("macro_") && !slug(id.substr(6)).empty() ? slug(id.substr(6)).substr(0, 36)
                                                                                      : slug(name.empty() ? value : name).substr(0, 36);
    m.key = base.empty() ? "macro" : base;
    for (int k = 2; macro_keys_.contains(m.key); ++k) m.key = (base.empty() ? "macro" : base) + "_" + std::to_string(k);
    macro_keys_.insert(m.key);
    m.name = utf8_prefix(name.empty() ? value : name, 200);
    m.section = key_;
    m.text = value;
    m.shortcut = attr(n, "data-vireo-shortcut");
    if (!m.shortcut.empty() && std::ranges::find(t_.macros, m.shortcut, &Macro::shortcut) != t_.macros.end())
      m.shortcut.clear();
    t_.macros.push_back(std::move(m));
  }

  void input(xmlNode* n) {
    const std::string type = lower(attr(n, "type"));
    if (type == "checkbox" || type == "radio") return checkbox(n);
    if (type == "hidden" || type == "button" || type == "submit") return;
    if (const std::string value = squeezed(attr(n, "value")); !value.empty()) return add(value);
    blank(n, type == "number" ? "NUMBER" : type == "date" ? "DATE" : type == "time" ? "TIME"
             : type.starts_with("datetime") ? "DATETIME" : "TEXT");
  }

  void select(xmlNode* n) {
    std::vector<std::string> choices, chosen;
    for (xmlNode* o : all(n, "option")) {
      std::string text = utf8_prefix(squeezed(content_of(o)), 200);
      if (text.empty()) text = utf8_prefix(squeezed(attr(o, "value")), 200);
      if (text.empty()) continue;
      if (choices.size() >= 100) {
        refusal_ = "A menu has more than 100 choices";
        return;
      }
      if (has_attr(o, "selected")) chosen.push_back(text);
      choices.push_back(std::move(text));
    }
    if (!chosen.empty()) {
      std::string joined;
      for (const auto& c : chosen) joined += (joined.empty() ? "" : ", ") + c;
      return add(joined);
    }
    if (choices.empty()) return;
    blank(n, has_attr(n, "multiple") ? "MULTISELECT" : "SELECT", std::move(choices));
  }

  void textarea(xmlNode* n) {
    const std::string text = content_of(n);
    if (text.find_first_not_of(" \t\r\n") != std::string::npos) {
      if (text_.size() + text.size() > kMaxTextRead) {
        refusal_ = "A section's text is longer than 20,000 characters";
        return;
      }
      newline();
      text_ += text;
      newline();
      return;
    }
    const std::string completion = upper(attr(n, "data-field-completion-action"));
    if (completion == "ALERT" || completion == "PROHIBIT") blank(n, "TEXT");
  }

  void walk(xmlNode* n, xmlNode* top, int depth = 0) {
    if (depth > kMaxDepth) {
      refusal_ = "The template nests its elements more than 64 deep";
      return;
    }
    for (xmlNode* c = n->children; c && refusal_.empty(); c = c->next) {
      if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
        add(squeezed(content_of(c)));
        continue;
      }
      if (c->type != XML_ELEMENT_NODE) continue;
      const std::string tag = name_of(c);
      if (tag == "script" || tag == "style" || tag == "mark" || tag == "img") continue;
      if (tag == "label") {
        auto is_box = [](xmlNode* e) {
          const std::string type = lower(attr(e, "type"));
          return name_of(e) == "input" && (type == "checkbox" || type == "radio");
        };
        auto target = by_id_.find(attr(c, "for"));
        if (target != by_id_.end() && is_box(target->second)) continue;  // the box's own text, or its macro's name
        // A box inside its label: the label's text is the box's, stated only when checked.
        xmlNode* box = nullptr;
        each_element(c, [&](xmlNode* e) {
          if (!box && is_box(e)) box = e;
        });
        if (box) checkbox(box, utf8_prefix(squeezed(content_of(c)), kMaxTextRead));
        else walk(c, top, depth + 1);  // its text, and a field inside it is a blank
        continue;
      }
      if (tag == "input") input(c);
      else if (tag == "select") select(c);
      else if (tag == "textarea") textarea(c);
      else if (tag == "br") newline();
      else if (tag == "embed") {
        if (!embed_->empty()) {
          refusal_ = "A section embeds more than one template; Vireo embeds one per section";
          return;
        }
        *embed_ = squeezed(attr(c, "src"));
      } else if (tag == "header") {
        if (n == top) continue;  // the section's title
        newline();
        std::string heading = squeezed(content_of(c));
        if (!heading.empty() && heading.back() != ':') heading += ':';
        add(heading);
        newline();
      } else {
        const bool block = tag == "p" || tag == "div" || tag == "section" || tag == "li" || tag == "tr" ||
                           tag == "ul" || tag == "ol" || tag == "table";
        if (block) newline();
        walk(c, top, depth + 1);
        if (block) newline();
      }
    }
  }

  std::string label_text(const std::string& id) const {
    auto it = id.empty() ? labels_.end() : labels_.find(id);
    return it == labels_.end() ? "" : it->second;
  }

  ReportTemplate& t_;
  const std::map<std::string, xmlNode*>& by_id_;
  const std::map<std::string, std::string>& labels_;  // an element's id → its <label>'s text
  std::string& refusal_;
  std::set<std::string> labels_used_, macro_keys_;
  std::string key_;
  std::string* embed_ = nullptr;
  std::string text_;
};

MrrtRead refused(std::string why) { return {std::nullopt, std::move(why)}; }

}  // namespace

MrrtRead read_mrrt(std::string_view html) {
  if (html.size() > kMaxMrrtBytes) return refused("The file is larger than 2 MB; an MRRT template is a few kilobytes");
  for (const char* tag : {"html", "head", "body"}) {
    const size_t n = start_tags(html, tag);
    if (n == 0) return refused(std::string("The file has no <") + tag + "> element: it is not an MRRT template");
    if (n > 1) return refused(std::string("The file has ") + std::to_string(n) + " <" + tag + "> elements; MRRT allows one");
  }
  Doc doc = parse_html(html);
  xmlNode* root = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
  xmlNode* head = first(root, "head");
  xmlNode* body = first(root, "body");
  if (!root || !head || !body) return refused("The file could not be read as HTML");

  ReportTemplate t;
  t.source = "clinic";
  t.sections.clear();
  bool utf8 = false;
  std::map<std::string, std::string> dc;
  for (xmlNode* m : all(head, "meta")) {
    if (has_attr(m, "charset")) utf8 = utf8 || lower(attr(m, "charset")) == "utf-8";
    const std::string name = lower(attr(m, "name"));
    if (!name.empty() && !dc.contains(name)) dc[name] = squeezed(attr(m, "content"));
  }
  if (!utf8) return refused("MRRT templates are UTF-8: the <head> has no <meta charset=\"UTF-8\"/>");
  const std::vector<xmlNode*> titles = all(head, "title");
  if (titles.size() != 1 || squeezed(content_of(titles[0])).empty())
    return refused("The <head> needs one <title>: the template's name");
  t.name = utf8_prefix(squeezed(content_of(titles[0])), 200);
  if (!dc.contains("dcterms.title") && !dc.contains("dcterms.identifier"))
    return refused("The <head> has no Dublin Core <meta name=\"dcterms.…\"> elements: MRRT identifies a template there");
  if (dc["dcterms.identifier"].empty()) return refused("The template has no dcterms.identifier");
  if (dc.contains("dcterms.type") && dc["dcterms.type"] != "IMAGE_REPORT_TEMPLATE")
    return refused("dcterms.type is " + dc["dcterms.type"].substr(0, 40) + "; an MRRT template's is IMAGE_REPORT_TEMPLATE");
  t.identifier = utf8_prefix(dc["dcterms.identifier"], 200);
  t.code = code_from_identifier(t.identifier);
  t.publisher = utf8_prefix(dc["dcterms.publisher"], 200);
  t.rights = utf8_prefix(dc["dcterms.rights"], 500);
  t.license = utf8_prefix(dc["dcterms.license"], 200);
  if (const std::string language = lower(dc["dcterms.language"]); language.size() >= 2) t.language = language.substr(0, 2);

  // The coded attributes, XML inside the one <script type="text/xml">.
  std::vector<xmlNode*> scripts;
  for (xmlNode* s : all(head, "script"))
    if (lower(attr(s, "type")) == "text/xml") scripts.push_back(s);
  if (scripts.size() != 1)
    return refused(scripts.empty() ? "The <head> has no <script type=\"text/xml\"> with the template's attributes"
                                   : "The <head> has more than one <script type=\"text/xml\">; MRRT allows one");
  // The XML is often inside a comment (RadReport's files): the markers go, what they held stays.
  std::string xml;
  {
    const std::string raw = content_of(scripts[0]);
    xml.reserve(raw.size());
    for (size_t at = 0; at < raw.size();) {
      if (raw.compare(at, 4, "<!--") == 0) at += 4;
      else if (raw.compare(at, 3, "-->") == 0) at += 3;
      else xml += raw[at++];
    }
  }
  Doc attributes_doc = parse_html("<html><body>" + xml + "</body></html>");
  xmlNode* attributes_root = attributes_doc ? xmlDocGetRootElement(attributes_doc.get()) : nullptr;
  const std::vector<xmlNode*> attribute_sets = all(attributes_root, "template_attributes");
  if (attribute_sets.size() != 1)
    return refused(attribute_sets.empty() ? "The script has no <template_attributes>"
                                          : "The script has more than one <template_attributes>");
  xmlNode* attributes = attribute_sets[0];
  if (xmlNode* flag = first(attributes, "top-level-flag")) t.top_level = lower(squeezed(content_of(flag))) != "false";
  if (xmlNode* status = first(attributes, "status")) {
    const std::string s = upper(squeezed(content_of(status)));
    if (std::ranges::find(kTemplateStatuses, s) == std::end(kTemplateStatuses))
      return refused("The status is " + s.substr(0, 20) + "; MRRT's are ACTIVE, DRAFT and RETIRED");
    t.status = s;
  }
  if (xmlNode* schemes = first(attributes, "coding_schemes"); schemes && all(schemes, "coding_scheme").empty())
    return refused("<coding_schemes> names no <coding_scheme>");
  const bool has_coded_content = first(attributes, "coded_content") != nullptr;
  for (xmlNode* term : all(attributes, "term")) {
    const std::vector<xmlNode*> codes = all(term, "code");
    if (codes.size() != 1)
      return refused("A <term> has " + std::to_string(codes.size()) + " <code> elements; MRRT wants exactly one");
    xmlNode* code = codes[0];
    if (attr(code, "value").empty() || attr(code, "scheme").empty() || attr(code, "meaning").empty())
      return refused("A <code> lacks its meaning, value or scheme");
    const std::string scheme = upper(attr(code, "scheme")), value = attr(code, "value");
    // DICOM's CID 29 codes are the modalities' own; other schemes name them in words.
    if (scheme == "DCM" && lower(attr(term, "type")) == "modality") {
      if (std::ranges::find(t.modalities, value) == t.modalities.end()) t.modalities.push_back(value.substr(0, 16));
    } else if (!has_coded_content || term->parent == attributes) {
      modalities_named(attr(code, "meaning"), t.modalities);
      if (lower(attr(term, "type")) == "body part" && t.body_region.empty())
        t.body_region = utf8_prefix(lower(squeezed(attr(code, "meaning"))), 64);
    }
  }
  if (t.modalities.empty()) modalities_in_title(t.name, t.modalities);
  if (const std::string region = dc["vireo.body-region"]; !region.empty()) t.body_region = utf8_prefix(region, 64);
  if (const std::string findings = dc["vireo.findings"]; !findings.empty()) {
    const size_t space = findings.find(' ');
    t.findings_system = findings.substr(0, space).substr(0, 16);
    if (space != std::string::npos) t.findings_rule = findings.substr(space + 1, 8);
  }

  // The sections: those not inside another.
  std::map<std::string, xmlNode*> by_id;
  std::map<std::string, std::string> labels;
  each_element(body, [&](xmlNode* c) {
    if (const std::string id = attr(c, "id"); !id.empty()) by_id.emplace(id, c);
    if (name_of(c) == "label" && !attr(c, "for").empty()) labels.emplace(attr(c, "for"), squeezed(content_of(c)));
  });
  std::vector<xmlNode*> tops;
  for (xmlNode* s : all(body, "section")) {
    bool nested = false;
    for (xmlNode* p = s->parent; p && p != body; p = p->parent) nested = nested || name_of(p) == "section";
    if (!nested) tops.push_back(s);
  }
  if (tops.empty()) return refused("The <body> has no <section>: an MRRT template's content is in sections");
  if (tops.size() > kMaxSectionsRead) return refused("The template has more than 40 sections");
  std::string refusal;
  SectionReader reader(t, by_id, labels, refusal);
  for (size_t i = 0; i < tops.size(); ++i) {
    xmlNode* s = tops[i];
    TemplateSection section;
    xmlNode* header = nullptr;
    for (xmlNode* c = s->children; c && !header; c = c->next)
      if (c->type == XML_ELEMENT_NODE && name_of(c) == "header") header = c;
    const std::string name = squeezed(attr(s, "data-section-name"));
    section.title = squeezed(header ? content_of(header) : name);
    if (section.title.empty()) section.title = name.empty() ? "Section " + std::to_string(i + 1) : name;
    section.title = utf8_prefix(section.title, 200);
    const std::string id = lower(attr(s, "id"));
    std::string key = standard_key(name.empty() ? section.title : name);
    if (key.empty()) key = slug(id).size() == id.size() && !id.empty() ? id : slug(name.empty() ? section.title : name);
    if (key.empty()) key = "section_" + std::to_string(i + 1);
    for (int n = 2; std::ranges::find(t.sections, key, &TemplateSection::key) != t.sections.end(); ++n)
      key = (key.size() > 36 ? key.substr(0, 36) : key) + "_" + std::to_string(n);
    section.key = key;
    reader.read(s, section);
    if (!refusal.empty()) return refused(refusal);
    t.sections.push_back(std::move(section));
  }
  return {std::move(t), ""};
}

// ---- writing ----

namespace {

std::string escaped(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string meta(std::string_view name, std::string_view content) {
  return "<meta name=\"" + std::string(name) + "\" content=\"" + escaped(content) + "\"/>\n";
}

const char* modality_meaning(const std::string& m) {
  static const std::map<std::string, const char*> kMeanings = {
      {"BMD", "Bone Mineral Densitometry"}, {"CR", "Computed Radiography"}, {"CT", "Computed Tomography"},
      {"DX", "Digital Radiography"},        {"IO", "Intra-oral Radiography"}, {"MG", "Mammography"},
      {"MR", "Magnetic Resonance"},         {"NM", "Nuclear Medicine"},      {"OT", "Other"},
      {"PT", "Positron emission tomography"}, {"PX", "Panoramic X-Ray"},   {"RF", "Radio Fluoroscopy"},
      {"US", "Ultrasound"},                 {"XA", "X-Ray Angiography"}};
  auto it = kMeanings.find(m);
  return it == kMeanings.end() ? "Other" : it->second;
}

std::string field_html(const TemplateField& f, size_t n) {
  const std::string id = "field_" + std::to_string(n);
  std::string common = " id=\"" + id + "\" name=\"" + escaped(f.label) + "\" data-field-type=\"" + f.type +
                       "\" data-field-merge-flag=\"" + (f.merge ? "true" : "false") +
                       "\" data-field-completion-action=\"" + f.completion + "\"";
  if (f.type == "SELECT" || f.type == "MULTISELECT") {
    std::string out = "<select" + common + (f.type == "MULTISELECT" ? " multiple=\"multiple\"" : "") + ">";
    for (const auto& c : f.choices) out += "<option value=\"" + escaped(c) + "\">" + escaped(c) + "</option>";
    return out + "</select>";
  }
  const char* type = f.type == "NUMBER" ? "number" : f.type == "DATE" ? "date" : f.type == "TIME" ? "time"
                     : f.type == "DATETIME" ? "datetime-local" : "text";
  return "<input type=\"" + std::string(type) + "\"" + common +
         (f.units.empty() ? "" : " data-field-units=\"" + escaped(f.units) + "\"") + "/>";
}

// A line of text, its [[blanks]] as MRRT fields.
std::string line_html(std::string_view line, const ReportTemplate& t, size_t& fields) {
  std::string out;
  size_t at = 0;
  while (at < line.size()) {
    const size_t open = line.find(kFieldMarkOpen, at);
    const size_t close = open == std::string_view::npos ? open : line.find(kFieldMarkClose, open);
    if (close == std::string_view::npos) {
      out += escaped(line.substr(at));
      break;
    }
    out += escaped(line.substr(at, open - at));
    const std::string label(line.substr(open + kFieldMarkOpen.size(), close - open - kFieldMarkOpen.size()));
    auto f = std::ranges::find(t.fields, label, &TemplateField::label);
    out += field_html(f != t.fields.end() ? *f : TemplateField{label, "", "TEXT", {}, "", "NONE"}, ++fields);
    at = close + kFieldMarkClose.size();
  }
  return out;
}

}  // namespace

std::string write_mrrt(const ReportTemplate& t, std::string_view date) {
  std::string out = "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"UTF-8\"/>\n<title>" + escaped(t.name) + "</title>\n";
  out += meta("dcterms.title", t.name);
  out += meta("dcterms.identifier", t.identifier.empty() ? std::string(kVireoUrn) + t.code : t.identifier);
  out += meta("dcterms.type", "IMAGE_REPORT_TEMPLATE");
  out += meta("dcterms.language", t.language);
  out += meta("dcterms.publisher", t.publisher.empty() ? "Vireo" : t.publisher);
  if (!t.rights.empty()) out += meta("dcterms.rights", t.rights);
  if (!t.license.empty()) out += meta("dcterms.license", t.license);
  out += meta("dcterms.date", date);
  if (!t.body_region.empty()) out += meta("vireo.body-region", t.body_region);
  if (!t.findings_system.empty())
    out += meta("vireo.findings", t.findings_system + (t.findings_rule.empty() ? "" : " " + t.findings_rule));
  out += "<script type=\"text/xml\">\n<template_attributes>\n<top-level-flag>" + std::string(t.top_level ? "true" : "false") +
         "</top-level-flag>\n<status>" + t.status + "</status>\n<coding_schemes>\n"
         "<coding_scheme name=\"DCM\" designator=\"1.2.840.10008.2.16.4\"/>\n</coding_schemes>\n";
  for (const auto& m : t.modalities)
    out += "<term type=\"modality\"><code meaning=\"" + escaped(modality_meaning(m)) + "\" value=\"" + escaped(m) +
           "\" scheme=\"DCM\"/></term>\n";
  out += "<coded_content></coded_content>\n</template_attributes>\n</script>\n</head>\n<body>\n";
  size_t fields = 0;
  for (const TemplateSection& s : t.sections) {
    out += "<section id=\"" + escaped(s.key) + "\" class=\"level1\" data-section-name=\"" + escaped(s.title) +
           "\">\n<header class=\"level1\">" + escaped(s.title) + "</header>\n";
    size_t start = 0;
    while (start < s.text.size()) {
      size_t end = s.text.find('\n', start);
      if (end == std::string::npos) end = s.text.size();
      out += "<p>" + line_html(std::string_view(s.text).substr(start, end - start), t, fields) + "</p>\n";
      start = end + 1;
    }
    if (!s.embed.empty()) out += "<embed type=\"text/html\" src=\"" + escaped(s.embed) + "\"/>\n";
    for (const Macro& m : t.macros) {
      if (m.section != s.key) continue;
      out += "<p><input type=\"checkbox\" id=\"macro_" + escaped(m.key) + "\" value=\"" + escaped(m.text) + "\"" +
             (m.shortcut.empty() ? "" : " data-vireo-shortcut=\"" + escaped(m.shortcut) + "\"") +
             "/><label for=\"macro_" + escaped(m.key) + "\">" + escaped(m.name) + "</label></p>\n";
    }
    out += "</section>\n";
  }
  return out + "</body>\n</html>\n";
}

}  // namespace vireo::reporting
