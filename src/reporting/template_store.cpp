#include "reporting/template_store.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <set>

#include "reporting/mrrt.hpp"
#include "reporting/reports.hpp"

namespace vireo::reporting {

namespace {

constexpr const char* kRead = "reporting.read";
constexpr const char* kManage = "reporting.templates";
constexpr int kMaxEmbedDepth = 4;

std::string joined(const std::vector<std::string>& items, char by) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : std::string(1, by)) + i;
  return out;
}

std::vector<std::string> split_on(const std::string& s, char by) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t end = s.find(by, start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

constexpr const char* kRestored = "RESTORED";  // the status of a clinic's copy given up

constexpr const char* kColumns =
    "code, name, modalities, body_region, findings_system, findings_rule, language, top_level, status, identifier, "
    "publisher, rights, license, revision, updated_at, updated_by";

// The clinic's copies, with their sections, blanks and macros; `code` empty: all.
Result<std::vector<ReportTemplate>> clinic_templates(Connection& c, std::string_view code) {
  const std::string where = code.empty() ? "" : " WHERE code = ?";
  std::vector<SqlValue> args;
  if (!code.empty()) args.emplace_back(std::string(code));
  auto rows = c.query(std::string("SELECT ") + kColumns + " FROM rep_templates" + where, std::span<const SqlValue>(args));
  if (!rows) return std::unexpected(rows.error());
  std::vector<ReportTemplate> out;
  for (const Row& r : *rows) {
    // Vireo's own restored: the row stays, so that its revisions never repeat (an editor still
    // holding one from before the restore is told it is stale).
    if (r.text(8) == kRestored) {
      if (const ReportTemplate* vireos = vireo_template(r.text(0))) {
        out.push_back(*vireos);
        out.back().revision = r.integer(13);
      }
      continue;
    }
    ReportTemplate& t = out.emplace_back();
    t.code = r.text(0);
    t.name = r.text(1);
    t.modalities = split_on(r.text(2), ' ');
    t.body_region = r.text(3);
    t.findings_system = r.text(4);
    t.findings_rule = r.text(5);
    t.language = r.text(6);
    t.top_level = r.integer(7) != 0;
    t.status = r.text(8);
    t.identifier = r.text(9);
    t.publisher = r.text(10);
    t.rights = r.text(11);
    t.license = r.text(12);
    t.revision = r.integer(13);
    t.updated_at = r.text(14);
    t.updated_by = r.text(15);
    t.source = "clinic";
    auto sections = c.query("SELECT section_key, title, body, embed FROM rep_template_sections WHERE code = ? ORDER BY "
                            "position",
                            {t.code});
    if (!sections) return std::unexpected(sections.error());
    for (const Row& s : *sections) t.sections.push_back({s.text(0), s.text(1), s.text(2), s.text(3)});
    auto fields = c.query("SELECT label, section_key, type, choices, units, completion, merge_field FROM rep_template_fields "
                          "WHERE code = ? ORDER BY position",
                          {t.code});
    if (!fields) return std::unexpected(fields.error());
    for (const Row& f : *fields)
      t.fields.push_back({f.text(0), f.text(1), f.text(2), split_on(f.text(3), '\n'), f.text(4), f.text(5), f.integer(6) != 0});
    auto macros = c.query("SELECT macro_key, name, section_key, body, shortcut FROM rep_template_macros WHERE code = ? "
                          "ORDER BY position",
                          {t.code});
    if (!macros) return std::unexpected(macros.error());
    for (const Row& m : *macros) t.macros.push_back({m.text(0), m.text(1), m.text(2), m.text(3), m.text(4)});
  }
  return out;
}

Status write_rows(Connection& c, const ReportTemplate& t) {
  for (const char* table : {"rep_template_sections", "rep_template_fields", "rep_template_macros"})
    if (auto s = c.execute(std::string("DELETE FROM ") + table + " WHERE code = ?", {t.code}); !s) return s;
  for (size_t i = 0; i < t.sections.size(); ++i) {
    const TemplateSection& s = t.sections[i];
    if (auto done = c.execute("INSERT INTO rep_template_sections (code, position, section_key, title, body, embed) VALUES "
                              "(?, ?, ?, ?, ?, ?)",
                              {t.code, static_cast<int64_t>(i), s.key, s.title, s.text, s.embed});
        !done)
      return done;
  }
  for (size_t i = 0; i < t.fields.size(); ++i) {
    const TemplateField& f = t.fields[i];
    if (auto done = c.execute("INSERT INTO rep_template_fields (code, position, label, section_key, type, choices, units, "
                              "completion, merge_field) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                              {t.code, static_cast<int64_t>(i), f.label, f.section, f.type, joined(f.choices, '\n'),
                               f.units, f.completion, static_cast<int64_t>(f.merge ? 1 : 0)});
        !done)
      return done;
  }
  for (size_t i = 0; i < t.macros.size(); ++i) {
    const Macro& m = t.macros[i];
    if (auto done = c.execute("INSERT INTO rep_template_macros (code, position, macro_key, name, section_key, body, "
                              "shortcut) VALUES (?, ?, ?, ?, ?, ?, ?)",
                              {t.code, static_cast<int64_t>(i), m.key, m.name, m.section, m.text, m.shortcut});
        !done)
      return done;
  }
  return {};
}

bool blank_text(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

// The templates read while following embeds, each once.
class TemplateCache {
 public:
  explicit TemplateCache(Connection& c) : c_(c) {}
  Result<const ReportTemplate*> get(const std::string& code) {
    auto it = loaded_.find(code);
    if (it == loaded_.end()) {
      auto found = load_template(c_, code);
      if (!found) return std::unexpected(found.error());
      it = loaded_.emplace(code, std::move(*found)).first;
    }
    return it->second ? &*it->second : nullptr;
  }

 private:
  Connection& c_;
  std::map<std::string, std::optional<ReportTemplate>> loaded_;
};

// Each section's embed names a component the clinic has; no embed, however deep, leads back to
// `t`, and none nests deeper than kMaxEmbedDepth (what expand() follows).
Result<std::vector<FieldError>> embed_errors(Connection& c, const ReportTemplate& t) {
  std::vector<FieldError> out;
  TemplateCache cache(c);
  std::map<std::string, int> explored;  // a component explored whole from this level
  // Whether `code`, embedded at `level` under `path`, embeds nothing wrong.
  std::function<Result<bool>(const std::string&, int, std::vector<std::string>&)> fine =
      [&](const std::string& code, int level, std::vector<std::string>& path) -> Result<bool> {
    if (std::ranges::find(path, code) != path.end() || level > kMaxEmbedDepth) return false;
    if (auto seen = explored.find(code); seen != explored.end() && seen->second <= level) return true;
    auto found = cache.get(code);
    if (!found) return std::unexpected(found.error());
    if (!*found) return true;  // gone since it was embedded: expand() skips it
    path.push_back(code);
    for (const TemplateSection& s : (*found)->sections) {
      if (s.embed.empty()) continue;
      auto ok = fine(s.embed, level + 1, path);
      if (!ok || !*ok) return ok;
    }
    path.pop_back();
    explored[code] = level;
    return true;
  };
  for (size_t i = 0; i < t.sections.size(); ++i) {
    const std::string& embed = t.sections[i].embed;
    if (embed.empty()) continue;
    const std::string at = "sections/" + std::to_string(i) + "/embed";
    auto found = cache.get(embed);
    if (!found) return std::unexpected(found.error());
    if (!*found) {
      out.push_back({at, "unknown", "No template has the code " + embed.substr(0, 64) + ": add or import it first"});
      continue;
    }
    if ((*found)->top_level) {
      out.push_back({at, "top_level", (*found)->name + " is a whole report's template; embed a component"});
      continue;
    }
    std::vector<std::string> path{t.code};
    auto ok = fine(embed, 1, path);
    if (!ok) return std::unexpected(ok.error());
    if (!*ok)
      out.push_back({at, "cycle", "Embedding " + embed + " would embed " + t.code + " in itself, or nest deeper than 4"});
  }
  return out;
}

// `t` with its embedded components' text, blanks and macros, as far as a report holds them.
Status expand(TemplateCache& cache, ReportTemplate& t, int depth) {
  for (TemplateSection& s : t.sections) {
    if (s.embed.empty() || depth >= kMaxEmbedDepth) continue;
    auto found = cache.get(s.embed);
    if (!found) return std::unexpected(found.error());
    if (!*found) continue;
    ReportTemplate component = **found;
    if (auto done = expand(cache, component, depth + 1); !done) return done;
    for (const TemplateSection& part : component.sections)
      if (!blank_text(part.text) && s.text.size() + part.text.size() < kMaxSectionText)
        s.text += (blank_text(s.text) ? "" : "\n") + part.text;
    for (TemplateField f : component.fields) {
      if (t.fields.size() >= 200 || std::ranges::find(t.fields, f.label, &TemplateField::label) != t.fields.end()) continue;
      f.section = s.key;
      t.fields.push_back(std::move(f));
    }
    for (Macro m : component.macros) {
      if (t.macros.size() >= 200 || std::ranges::find(t.macros, m.key, &Macro::key) != t.macros.end()) continue;
      m.section = s.key;
      if (std::ranges::find(t.macros, m.shortcut, &Macro::shortcut) != t.macros.end()) m.shortcut.clear();
      t.macros.push_back(std::move(m));
    }
  }
  return {};
}

TemplateSaved conflict(std::string rule, std::string detail) {
  TemplateSaved out;
  out.conflict = ReportConflict{std::move(rule), std::move(detail)};
  return out;
}

}  // namespace

Result<std::optional<ReportTemplate>> load_template(Connection& c, std::string_view code) {
  if (code.empty()) return std::optional<ReportTemplate>{};
  auto clinic = clinic_templates(c, code);
  if (!clinic) return std::unexpected(clinic.error());
  if (!clinic->empty()) return std::optional<ReportTemplate>(std::move(clinic->front()));
  if (const ReportTemplate* t = vireo_template(code)) return std::optional<ReportTemplate>(*t);
  return std::optional<ReportTemplate>{};
}

Result<std::vector<ReportTemplate>> load_templates(Connection& c) {
  auto clinic = clinic_templates(c, "");
  if (!clinic) return std::unexpected(clinic.error());
  std::vector<ReportTemplate> out = std::move(*clinic);
  for (const ReportTemplate& t : vireo_templates())
    if (std::ranges::find(out, t.code, &ReportTemplate::code) == out.end()) out.push_back(t);
  // As a reader looks for them: by name, whatever its case.
  auto folded = [](std::string s) {
    std::ranges::transform(s, s.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    return s;
  };
  std::ranges::sort(out, [&](const ReportTemplate& a, const ReportTemplate& b) {
    return std::pair{folded(a.name), a.code} < std::pair{folded(b.name), b.code};
  });
  return out;
}

Result<std::optional<ReportTemplate>> resolved_template(Connection& c, std::string_view code) {
  auto t = load_template(c, code);
  if (!t || !*t) return t;
  TemplateCache cache(c);
  if (auto done = expand(cache, **t, 0); !done) return std::unexpected(done.error());
  return t;
}

std::unique_ptr<Templates> Templates::open(Database& db, WriteQueue& writes, const Clock& clock) {
  return std::unique_ptr<Templates>(new Templates(db, writes, clock));
}

Result<std::vector<ReportTemplate>> Templates::offered(std::string_view modality, const access::Principal& actor) {
  if (!actor.may(kRead)) return fail(ErrorCode::Forbidden, "Your role does not read reports");
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  auto every = load_templates(**c);
  if (!every) return std::unexpected(every.error());
  std::vector<ReportTemplate> out;
  TemplateCache cache(**c);
  for (ReportTemplate& t : *every) {
    if (!t.top_level || t.status != "ACTIVE") continue;
    if (!modality.empty() && std::ranges::find(t.modalities, modality) == t.modalities.end()) continue;
    if (auto done = expand(cache, t, 0); !done) return std::unexpected(done.error());
    out.push_back(std::move(t));
  }
  return out;
}

Result<std::vector<ReportTemplate>> Templates::all(const access::Principal& actor) {
  if (!actor.may(kManage)) return fail(ErrorCode::Forbidden, "Report templates are managed by the administrator");
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  return load_templates(**c);
}

Result<std::optional<ReportTemplate>> Templates::get(std::string_view code, const access::Principal& actor) {
  if (!actor.may(kManage)) return fail(ErrorCode::Forbidden, "Report templates are managed by the administrator");
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  return load_template(**c, code);
}

Result<TemplateSaved> Templates::create(ReportTemplate t, const access::Principal& actor) {
  return write(std::move(t), 0, true, actor);
}

Result<TemplateSaved> Templates::save(ReportTemplate t, int64_t seen_revision, const access::Principal& actor) {
  return write(std::move(t), seen_revision, false, actor);
}

Result<TemplateSaved> Templates::write(ReportTemplate t, int64_t seen_revision, bool creating,
                                       const access::Principal& actor) {
  if (!actor.may(kManage)) return fail(ErrorCode::Forbidden, "Report templates are managed by the administrator");
  TemplateSaved out;
  out.invalid = template_errors(t);
  if (!out.invalid.empty()) return out;
  return writes_.run<TemplateSaved>([&](Connection& c) -> Result<TemplateSaved> {
    auto there = load_template(c, t.code);
    if (!there) return std::unexpected(there.error());
    if (creating && *there)
      return conflict("exists", "A template has the code " + t.code + " already: choose another code");
    if (!creating && !*there) return fail(ErrorCode::NotFound, "no report template has this code");
    if (!creating && (*there)->revision != seen_revision)
      return conflict("stale", "Someone else changed this template meanwhile: reload it and make your change again");
    auto embeds = embed_errors(c, t);
    if (!embeds) return std::unexpected(embeds.error());
    if (!embeds->empty()) {
      out.invalid = std::move(*embeds);
      return out;
    }
    const std::string now = utc_iso(clock_.unix_seconds());
    const int64_t revision = seen_revision + 1;
    const std::vector<SqlValue> values = {t.name, joined(t.modalities, ' '), t.body_region, t.findings_system,
                                          t.findings_rule, t.language, static_cast<int64_t>(t.top_level ? 1 : 0),
                                          t.status, t.identifier, t.publisher, t.rights, t.license, revision, now,
                                          actor.username, t.code};
    if (seen_revision == 0) {
      if (auto made = c.execute("INSERT INTO rep_templates (name, modalities, body_region, findings_system, findings_rule, "
                                "language, top_level, status, identifier, publisher, rights, license, revision, "
                                "updated_at, updated_by, code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                std::span<const SqlValue>(values));
          !made)
        return std::unexpected(made.error());
    } else {
      // Conditional on the revision read: of two editors, the second is told.
      std::vector<SqlValue> args = values;
      args.emplace_back(seen_revision);
      auto changed = c.query("UPDATE rep_templates SET name = ?, modalities = ?, body_region = ?, findings_system = ?, "
                             "findings_rule = ?, language = ?, top_level = ?, status = ?, identifier = ?, publisher = ?, "
                             "rights = ?, license = ?, revision = ?, updated_at = ?, updated_by = ? WHERE code = ? AND "
                             "revision = ? RETURNING code",
                             std::span<const SqlValue>(args));
      if (!changed) return std::unexpected(changed.error());
      if (changed->empty())
        return conflict("stale", "Someone else changed this template meanwhile: reload it and make your change again");
    }
    if (auto done = write_rows(c, t); !done) return std::unexpected(done.error());
    auto saved = load_template(c, t.code);
    if (!saved) return std::unexpected(saved.error());
    out.value = std::move(**saved);
    return out;
  });
}

Result<TemplateSaved> Templates::restore(std::string_view code, int64_t seen_revision, const access::Principal& actor) {
  if (!actor.may(kManage)) return fail(ErrorCode::Forbidden, "Report templates are managed by the administrator");
  const ReportTemplate* vireos = vireo_template(code);
  return writes_.run<TemplateSaved>([&](Connection& c) -> Result<TemplateSaved> {
    auto there = load_template(c, code);
    if (!there) return std::unexpected(there.error());
    if (!*there) return fail(ErrorCode::NotFound, "no report template has this code");
    if (!vireos)
      return conflict("not_vireos", "This template is the clinic's own, with nothing of Vireo's to restore: retire it instead");
    if ((*there)->source != "clinic") return conflict("not_changed", "This template is Vireo's as it is");
    auto gone = c.query("UPDATE rep_templates SET status = ?, revision = revision + 1, updated_at = ?, updated_by = ? "
                        "WHERE code = ? AND revision = ? RETURNING revision",
                        {std::string(kRestored), utc_iso(clock_.unix_seconds()), actor.username, std::string(code),
                         seen_revision});
    if (!gone) return std::unexpected(gone.error());
    if (gone->empty())
      return conflict("stale", "Someone else changed this template meanwhile: reload it and make your change again");
    const int64_t revision = (*gone)[0].integer(0);
    for (const char* table : {"rep_template_sections", "rep_template_fields", "rep_template_macros"})
      if (auto s = c.execute(std::string("DELETE FROM ") + table + " WHERE code = ?", {std::string(code)}); !s)
        return std::unexpected(s.error());
    TemplateSaved out;
    out.value = *vireos;
    out.value.revision = revision;
    return out;
  });
}

Result<TemplateSaved> Templates::import_mrrt(std::string_view html, const MrrtChoices& choices,
                                             const access::Principal& actor) {
  if (!actor.may(kManage)) return fail(ErrorCode::Forbidden, "Report templates are managed by the administrator");
  MrrtRead read = read_mrrt(html);
  if (!read.value) {
    TemplateSaved out;
    out.invalid.push_back({"file", "mrrt", read.refusal});
    return out;
  }
  ReportTemplate t = std::move(*read.value);
  if (!choices.code.empty()) t.code = choices.code;
  if (!choices.modalities.empty()) t.modalities = choices.modalities;
  // An embed names its component by code or by the identifier it was published under.
  auto every = [&]() -> Result<std::vector<ReportTemplate>> {
    auto c = readers_.acquire();
    if (!c) return std::unexpected(c.error());
    return load_templates(**c);
  }();
  if (!every) return std::unexpected(every.error());
  for (TemplateSection& s : t.sections) {
    if (s.embed.empty()) continue;
    auto named = std::ranges::find_if(*every, [&](const ReportTemplate& o) {
      return o.code == s.embed || (!o.identifier.empty() && o.identifier == s.embed);
    });
    if (named != every->end()) s.embed = named->code;
  }
  return write(std::move(t), 0, true, actor);
}

Result<std::optional<std::string>> Templates::export_mrrt(std::string_view code, const access::Principal& actor) {
  if (!actor.may(kManage)) return fail(ErrorCode::Forbidden, "Report templates are managed by the administrator");
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  auto t = load_template(**c, code);
  if (!t) return std::unexpected(t.error());
  if (!*t) return std::optional<std::string>{};
  const std::string date = ((*t)->updated_at.empty() ? utc_iso(clock_.unix_seconds()) : (*t)->updated_at).substr(0, 10);
  return std::optional<std::string>(write_mrrt(**t, date));
}

}  // namespace vireo::reporting
