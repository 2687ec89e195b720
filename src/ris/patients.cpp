#include "ris/patients.hpp"

#include <algorithm>
#include <tuple>

#include "core/clock.hpp"
#include "core/strings.hpp"
#include "ris/patient_rows.hpp"
#include "ris/patient_rules.hpp"

namespace vireo::ris {

namespace {

constexpr const char* kColumns =
    "id, mrn, mrn_issuer, family_name, given_name, middle_name, name_prefix, name_suffix, "
    "birth_date, sex, "
    "phone, email, address, national_id, insurance_number, allergies, contrast_allergy, notes, "
    "version, "
    "created_at, updated_at, merged_into";

Patient patient_of(const Row& r) {
  Patient p;
  p.id = r.integer(0);
  p.mrn = r.text(1);
  p.mrn_issuer = r.text(2);
  p.name = {r.text(3), r.text(4), r.text(5), r.text(6), r.text(7)};
  p.birth_date = r.text(8);
  p.sex = r.text(9);
  p.phone = r.text(10);
  p.email = r.text(11);
  p.address = r.text(12);
  p.national_id = r.text(13);
  p.insurance_number = r.text(14);
  p.allergies = r.text(15);
  p.contrast_allergy = r.integer(16) != 0;
  p.notes = r.text(17);
  p.version = r.integer(18);
  p.created_at = r.text(19);
  p.updated_at = r.text(20);
  p.merged_into = r.integer(21);
  return p;
}

Result<std::vector<Patient>> patients_of(Result<std::vector<Row>> rows) {
  if (!rows) return std::unexpected(rows.error());
  std::vector<Patient> out;
  out.reserve(rows->size());
  for (const auto& r : *rows) out.push_back(patient_of(r));
  return out;
}

// The latest date anywhere on Earth (UTC+14): a birth date is in the future only when that day
// has begun nowhere yet. The clinic's own zone comes with scheduling.
std::string latest_date_on_earth() {
  return utc_iso(system_clock().unix_seconds() + 14 * 3600).substr(0, 10);
}

std::string first_word(std::string_view s) {
  s = trim(s);
  auto end = s.find_first_of(" -");
  return std::string(s.substr(0, end));
}

// Whether two registrations of one birth date name the same person as a receptionist would
// judge it: the first family names match ignoring accents and case, or sound the same; so do the
// first given names, unless one of them is missing (a newborn, an unknown patient).
bool same_name(const PersonName& a, const PersonName& b) {
  auto matches = [](const std::string& x, const std::string& y) {
    return x.empty() || y.empty() || name_key(x) == name_key(y) || sound_key(x) == sound_key(y);
  };
  return !first_word(a.family).empty() && !first_word(b.family).empty() &&
         matches(first_word(a.family), first_word(b.family)) &&
         matches(first_word(a.given), first_word(b.given));
}

// Everyone with the national ID, and everyone of the birth date whose first family name sounds
// the same (a name that matches without accents or case sounds the same too): exact lookups
// by index, never cut short, so that a busy placeholder date cannot hide the same person.
Result<std::vector<PossibleDuplicate>> duplicates_of(Connection& c, const PatientFields& p) {
  std::vector<PossibleDuplicate> out;
  const std::string id_key = identifier_key(p.national_id);
  if (!id_key.empty()) {
    auto same_id =
        patients_of(c.query(std::string("SELECT ") + kColumns +
                                " FROM ris_patients WHERE national_id_key = ? AND merged_into = 0 ORDER BY id",
                            {id_key}));
    if (!same_id) return std::unexpected(same_id.error());
    for (auto& other : *same_id) out.push_back({std::move(other), "national_id"});
  }
  auto same_date =
      patients_of(c.query(std::string("SELECT ") + kColumns +
                              " FROM ris_patients WHERE birth_date = ? AND family_sound = ? "
                              "AND merged_into = 0 ORDER BY id",
                          {p.birth_date, sound_key(first_word(p.name.family))}));
  if (!same_date) return std::unexpected(same_date.error());
  for (auto& other : *same_date) {
    bool listed = std::ranges::any_of(out, [&](const auto& d) { return d.patient.id == other.id; });
    if (!listed && same_name(other.name, p.name))
      out.push_back({std::move(other), "name_and_birth_date"});
  }
  return out;
}

Result<bool> mrn_taken(Connection& c, const std::string& issuer, const std::string& mrn) {
  auto rows = c.query("SELECT 1 FROM ris_patients WHERE mrn_issuer = ? AND mrn = ?", {issuer, mrn});
  if (!rows) return std::unexpected(rows.error());
  return !rows->empty();
}

// The next MRN the pattern makes that no patient of the issuer has (one typed by hand may).
Result<std::string> next_mrn(Connection& c, const PatientOptions& o) {
  for (int attempt = 0; attempt < 1000; ++attempt) {
    auto n = c.query(
        "INSERT INTO ris_counters (name, value) VALUES ('mrn', 1) ON CONFLICT (name) DO UPDATE SET "
        "value = "
        "ris_counters.value + 1 RETURNING value",
        {});
    if (!n) return std::unexpected(n.error());
    std::string mrn =
        expand_mrn_pattern(o.mrn_pattern, (*n)[0].integer(0), utc_now_iso().substr(0, 4));
    auto taken = mrn_taken(c, o.mrn_issuer, mrn);
    if (!taken) return std::unexpected(taken.error());
    if (!*taken) return mrn;
  }
  return fail(ErrorCode::Internal,
              "the MRN pattern made 1000 MRNs already taken; check mrn_pattern");
}

// A phone number's digits backwards: "600 123 456" finds "+34 600 123 456" by an indexed
// prefix search, whether or not the country code was typed.
std::string phone_key(std::string_view phone) {
  std::string digits = phone_digits(phone);
  return {digits.rbegin(), digits.rend()};
}

std::vector<SqlValue> field_values(const PatientFields& p) {
  return {p.name.family,
          p.name.given,
          p.name.middle,
          p.name.prefix,
          p.name.suffix,
          name_key(p.name.family),
          sound_key(first_word(p.name.family)),
          name_key(p.name.given),
          p.birth_date,
          p.sex,
          p.phone,
          phone_key(p.phone),
          p.email,
          p.address,
          p.national_id,
          identifier_key(p.national_id),
          p.insurance_number,
          p.allergies,
          int64_t{p.contrast_allergy ? 1 : 0},
          p.notes};
}

constexpr const char* kFieldColumns =
    "family_name, given_name, middle_name, name_prefix, name_suffix, family_key, family_sound, "
    "given_key, "
    "birth_date, sex, "
    "phone, phone_key, email, address, national_id, national_id_key, insurance_number, allergies, "
    "contrast_allergy, notes";

}  // namespace

Result<Patient> read_patient(Connection& c, int64_t id) {
  auto rows = patients_of(
      c.query(std::string("SELECT ") + kColumns + " FROM ris_patients WHERE id = ?", {id}));
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return fail(ErrorCode::NotFound, "no patient " + std::to_string(id));
  return std::move(rows->front());
}

Result<std::unique_ptr<Patients>> Patients::open(Database& db, WriteQueue& writes,
                                                 PatientOptions options,
                                                 const MigrationProgress& progress) {
  if (auto problem = mrn_pattern_problem(options.mrn_pattern); !problem.empty())
    return fail(ErrorCode::InvalidArgument,
                "mrn_pattern \"" + options.mrn_pattern + "\": " + problem);
  if (options.mrn_issuer.empty() || options.mrn_issuer.size() > 64 ||
      options.mrn_issuer.find('\\') != std::string::npos)
    return fail(ErrorCode::InvalidArgument,
                "mrn_issuer must be 1 to 64 characters without a backslash");
  if (auto s = migrate(db, "ris", migrations(), progress); !s) return std::unexpected(s.error());
  return std::unique_ptr<Patients>(new Patients(db, writes, std::move(options)));
}

Result<Outcome> Patients::create(const PatientFields& typed, const std::string& actor,
                                 bool confirmed_new) {
  Outcome out;
  PatientFields p = tidy(typed);
  if (p.mrn_issuer.empty()) p.mrn_issuer = options_.mrn_issuer;
  out.invalid = validate(p, latest_date_on_earth());
  if (p.mrn.empty() && p.mrn_issuer != options_.mrn_issuer)
    out.invalid.push_back(
        {"mrn", "required",
         "An MRN of another issuer must be given with it: this clinic makes MRNs for " +
             options_.mrn_issuer + " only"});
  if (!out.invalid.empty()) return out;
  return writes_.run<Outcome>([&](Connection& c) -> Result<Outcome> {
    if (!p.mrn.empty()) {
      auto taken = mrn_taken(c, p.mrn_issuer, p.mrn);
      if (!taken) return std::unexpected(taken.error());
      if (*taken) {
        out.invalid.push_back({"mrn", "taken", "Another patient has this MRN"});
        return out;
      }
    }
    if (!confirmed_new) {
      auto dups = duplicates_of(c, p);
      if (!dups) return std::unexpected(dups.error());
      if (!dups->empty()) {
        out.duplicates = std::move(*dups);
        return out;
      }
    }
    if (p.mrn.empty()) {
      auto mrn = next_mrn(c, options_);
      if (!mrn) return std::unexpected(mrn.error());
      p.mrn = *mrn;
    }
    const std::string now = utc_now_iso();
    std::vector<SqlValue> args{p.mrn, p.mrn_issuer};
    for (auto& v : field_values(p)) args.push_back(std::move(v));
    for (const auto& v : {now, actor, now, actor}) args.emplace_back(v);
    std::string marks;
    for (size_t i = 0; i < args.size(); ++i) marks += "?, ";
    auto id = c.query(std::string("INSERT INTO ris_patients (mrn, mrn_issuer, ") + kFieldColumns +
                          ", created_at, created_by, updated_at, updated_by, version) VALUES (" +
                          marks + "1) RETURNING id",
                      std::span<const SqlValue>(args));
    if (!id) return std::unexpected(id.error());
    auto saved = read_patient(c, (*id)[0].integer(0));
    if (!saved) return std::unexpected(saved.error());
    out.patient = std::move(*saved);
    return out;
  });
}

Result<Outcome> Patients::update(int64_t id, int64_t seen_version, const PatientFields& typed,
                                 const std::string& actor) {
  Outcome out;
  PatientFields p = tidy(typed);
  p.mrn = "";  // kept as registered; validated as absent
  p.mrn_issuer = "";
  out.invalid = validate(p, latest_date_on_earth());
  if (!out.invalid.empty()) return out;
  return writes_.run<Outcome>([&](Connection& c) -> Result<Outcome> {
    std::vector<SqlValue> args = field_values(p);
    for (const auto& v : {utc_now_iso(), actor}) args.emplace_back(v);
    args.emplace_back(id);
    args.emplace_back(seen_version);
    std::string set;
    for (const auto& column : split(kFieldColumns, ','))
      set += std::string(trim(column)) + " = ?, ";
    if (auto s = c.execute("UPDATE ris_patients SET " + set +
                               "updated_at = ?, updated_by = ?, version = version + 1 WHERE id = ? "
                               "AND version = ? AND merged_into = 0",
                           std::span<const SqlValue>(args));
        !s)
      return std::unexpected(s.error());
    bool changed = c.changes() == 1;
    auto now = read_patient(c, id);
    if (!now) return std::unexpected(now.error());
    if (!changed && now->merged_into != 0)
      return fail(ErrorCode::StateConflict,
                  "this patient was merged into patient " + std::to_string(now->merged_into) +
                      ": edit that one");
    if (!changed)
      return fail(ErrorCode::AlreadyExists,
                  "the patient was changed by someone else since it was opened (version " +
                      std::to_string(now->version) + "); reload it and make the change again");
    out.patient = std::move(*now);
    if (outbox_)
      if (auto s = outbox_->enqueue(c, {kPatientUpdated, {{"patient", std::to_string(id)}}}); !s)
        return std::unexpected(s.error());
    return out;
  });
}

Result<std::vector<std::pair<size_t, Patient>>> Patients::with_identifiers(
    const std::vector<std::pair<std::string, std::string>>& mrn_and_issuer) {
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  std::vector<std::pair<size_t, Patient>> out;
  for (size_t i = 0; i < mrn_and_issuer.size(); ++i) {
    const auto& [mrn, issuer] = mrn_and_issuer[i];
    auto rows = (*c)->query(std::string("SELECT ") + kColumns +
                                " FROM ris_patients WHERE mrn = ? AND mrn_issuer = ?",
                            {mrn, issuer.empty() ? options_.mrn_issuer : issuer});
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty()) continue;
    Patient p = patient_of((*rows)[0]);
    // (a chain of merges is short; the bound keeps a damaged one from looping)
    for (int hops = 0; p.merged_into != 0 && hops < 16; ++hops) {
      auto kept = read_patient(**c, p.merged_into);
      if (!kept) return std::unexpected(kept.error());
      p = std::move(*kept);
    }
    out.emplace_back(i, std::move(p));
  }
  return out;
}

Result<std::optional<Patient>> Patients::get(int64_t id) {
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  auto p = read_patient(**c, id);
  if (!p && p.error().code == ErrorCode::NotFound) return std::optional<Patient>();
  if (!p) return std::unexpected(p.error());
  return std::optional<Patient>(std::move(*p));
}

namespace {
// One way the typed text may name patients: a condition and its values.
struct Alternative {
  std::string condition;
  std::vector<SqlValue> args;
  bool by_name = false;  // a name prefix: many rows, read in name order from the name's index
};

std::vector<Alternative> alternatives_of(const Dialect& d, const std::string& text) {
  std::vector<Alternative> out;
  if (text.empty()) return {{"1 = 1", {}, true}};
  auto prefix = [&](std::string_view s) -> SqlValue {
    std::string key = name_key(s);
    std::erase_if(key, [](char c) { return c == '*' || c == '?'; });
    return d.wildcard_parameter(key + "*");
  };
  // "Family, Given" or "Family Given": the family name starts with the first part, the given
  // name with the second; without a comma the whole text may also start a family name (two
  // family names). A given name alone is not searched: too many share one.
  auto comma = text.find(',');
  auto cut = comma != std::string::npos ? comma : text.find(' ');
  bool given_typed = cut != std::string::npos && !trim(text.substr(cut + 1)).empty();
  if (given_typed)
    out.push_back({d.wildcard_condition("family_key") + " AND " + d.wildcard_condition("given_key"),
                   {prefix(text.substr(0, cut)), prefix(text.substr(cut + 1))},
                   true});
  if (comma == std::string::npos || !given_typed)
    out.push_back({d.wildcard_condition("family_key"), {prefix(text.substr(0, comma))}, true});
  out.push_back({"mrn = ?", {text}});
  if (auto key = identifier_key(text); key.size() >= 4)
    out.push_back({"national_id_key = ?", {key}});
  if (auto digits = phone_digits(text);
      digits.size() >= 6 && text.find_first_not_of("+0123456789 -().") == std::string::npos)
    out.push_back(
        {d.wildcard_condition("phone_key"), {d.wildcard_parameter(phone_key(digits) + "*")}});
  return out;
}
}  // namespace

// Each alternative is its own query: a name prefix ordered by name and cut at the page's end,
// so that the name's index answers in order without sorting every match (an OR of them made
// the engines sort thousands of rows for "gar"); an identifier by its own index, unordered
// (ordered, PostgreSQL may walk the name's index hoping to stop early), as is any alternative
// with a birth date, whose own index leaves a few rows (read first). The page is taken from their merge; an
// alternative matching more than kMaxIdentifierMatches rows lists that many.
constexpr int64_t kMaxIdentifierMatches = 1000;

Result<std::vector<Patient>> Patients::search(const PatientSearch& q) {
  const Dialect& d = db_.dialect();
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  struct Keyed {
    std::string family, given;
    Patient patient;
  };
  std::vector<Keyed> merged;
  for (auto& alt : alternatives_of(d, std::string(trim(q.text)))) {
    std::string sql = std::string("SELECT ") + kColumns + ", family_key, given_key FROM ";
    if (q.birth_date.empty()) {
      sql += "ris_patients WHERE " + alt.condition;
    } else {
      // The day's few patients first, by the birth date's index, then the name among them: left
      // to choose, PostgreSQL costed a common family name's 15,000 index entries as one and
      // walked them (40-370 ms at a million patients). MATERIALIZED keeps the two steps apart.
      sql = "WITH born AS MATERIALIZED (SELECT * FROM ris_patients WHERE birth_date = ?) " + sql +
            "born WHERE " + alt.condition;
      alt.args.insert(alt.args.begin(), SqlValue(q.birth_date));
    }
    if (alt.by_name && q.birth_date.empty()) {
      sql += " ORDER BY family_key, given_key, id LIMIT ?";
      alt.args.emplace_back(int64_t{q.offset} + q.limit);
    } else {
      sql += " LIMIT ?";
      alt.args.emplace_back(kMaxIdentifierMatches);
    }
    auto rows = (*c)->query(sql, std::span<const SqlValue>(alt.args));
    if (!rows) return std::unexpected(rows.error());
    for (const auto& r : *rows) merged.push_back({r.text(22), r.text(23), patient_of(r)});
  }
  std::ranges::sort(merged, [](const Keyed& a, const Keyed& b) {
    return std::tie(a.family, a.given, a.patient.id) < std::tie(b.family, b.given, b.patient.id);
  });
  std::vector<Patient> page;
  int64_t last = 0, skipped = 0;
  for (auto& k : merged) {
    if (k.patient.id == last) continue;  // found by two alternatives
    last = k.patient.id;
    if (skipped++ < q.offset) continue;
    if (std::ssize(page) == q.limit) break;
    page.push_back(std::move(k.patient));
  }
  return page;
}

}  // namespace vireo::ris
