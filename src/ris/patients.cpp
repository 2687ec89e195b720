#include "ris/patients.hpp"

#include "core/clock.hpp"
#include "core/strings.hpp"
#include "ris/patient_rules.hpp"

namespace vireo::ris {

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> list = {
      {1,
       "patients of the RIS, and its counters (MRN)",
       {
           "CREATE TABLE ris_patients (id ${PK}, mrn TEXT NOT NULL, mrn_issuer TEXT NOT NULL, "
           "family_name TEXT NOT NULL, given_name TEXT NOT NULL, middle_name TEXT NOT NULL, "
           "name_prefix TEXT NOT NULL, name_suffix TEXT NOT NULL, family_key ${KEY} NOT NULL, "
           "given_key ${KEY} NOT NULL, birth_date TEXT NOT NULL, sex TEXT NOT NULL, phone TEXT NOT "
           "NULL, "
           "phone_key ${KEY} NOT NULL, email TEXT NOT NULL, address TEXT NOT NULL, national_id "
           "TEXT NOT NULL, "
           "national_id_key TEXT NOT NULL, insurance_number TEXT NOT NULL, allergies TEXT NOT "
           "NULL, "
           "contrast_allergy INTEGER NOT NULL, notes TEXT NOT NULL, version INTEGER NOT NULL, "
           "created_at TEXT NOT NULL, created_by TEXT NOT NULL, updated_at TEXT NOT NULL, "
           "updated_by TEXT NOT NULL, UNIQUE (mrn_issuer, mrn))",
           "CREATE INDEX ris_patients_by_family ON ris_patients (family_key, given_key)",
           "CREATE INDEX ris_patients_by_given ON ris_patients (given_key)",
           "CREATE INDEX ris_patients_by_birth_date ON ris_patients (birth_date)",
           "CREATE INDEX ris_patients_by_national_id ON ris_patients (national_id_key)",
           "CREATE INDEX ris_patients_by_phone ON ris_patients (phone_key)",
           "CREATE TABLE ris_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
       }},
  };
  return list;
}

namespace {

constexpr const char* kColumns =
    "id, mrn, mrn_issuer, family_name, given_name, middle_name, name_prefix, name_suffix, "
    "birth_date, sex, "
    "phone, email, address, national_id, insurance_number, allergies, contrast_allergy, notes, "
    "version, "
    "created_at, updated_at";

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

std::string joined(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

std::string first_word(std::string_view s) {
  s = trim(s);
  auto end = s.find_first_of(" -");
  return std::string(s.substr(0, end));
}

// Whether two registrations name the same person as a receptionist would judge it: the first
// family name and first given name match ignoring accents and case, or sound the same.
bool same_name(const PersonName& a, const PersonName& b) {
  auto matches = [](const std::string& x, const std::string& y) {
    if (x.empty() || y.empty()) return x.empty() && y.empty();
    return name_key(x) == name_key(y) || sound_key(x) == sound_key(y);
  };
  return matches(first_word(a.family), first_word(b.family)) &&
         matches(first_word(a.given), first_word(b.given));
}

Result<std::vector<PossibleDuplicate>> duplicates_of(Connection& c, const PatientFields& p) {
  const std::string id_key = identifier_key(p.national_id);
  auto rows =
      patients_of(c.query(std::string("SELECT ") + kColumns +
                              ", national_id_key FROM ris_patients WHERE "
                              "(national_id_key = ? AND national_id_key <> '') OR birth_date = ? "
                              "ORDER BY id LIMIT 500",
                          {id_key, p.birth_date}));
  if (!rows) return std::unexpected(rows.error());
  std::vector<PossibleDuplicate> out;
  for (auto& other : *rows) {
    if (!id_key.empty() && identifier_key(other.national_id) == id_key)
      out.push_back({std::move(other), "national_id"});
    else if (other.birth_date == p.birth_date && same_name(other.name, p.name))
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
    "family_name, given_name, middle_name, name_prefix, name_suffix, family_key, given_key, "
    "birth_date, sex, "
    "phone, phone_key, email, address, national_id, national_id_key, insurance_number, allergies, "
    "contrast_allergy, notes";

Result<Patient> read_one(Connection& c, int64_t id) {
  auto rows = patients_of(
      c.query(std::string("SELECT ") + kColumns + " FROM ris_patients WHERE id = ?", {id}));
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return fail(ErrorCode::NotFound, "no patient " + std::to_string(id));
  return std::move(rows->front());
}

}  // namespace

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
    auto id = c.query(std::string("INSERT INTO ris_patients (mrn, mrn_issuer, ") + kFieldColumns +
                          ", version, created_at, created_by, updated_at, updated_by) VALUES (?, "
                          "?, ?, ?, ?, ?, ?, ?, "
                          "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?) RETURNING id",
                      std::span<const SqlValue>(args));
    if (!id) return std::unexpected(id.error());
    auto saved = read_one(c, (*id)[0].integer(0));
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
                               "AND version = ?",
                           std::span<const SqlValue>(args));
        !s)
      return std::unexpected(s.error());
    bool changed = c.changes() == 1;
    auto now = read_one(c, id);
    if (!now) return std::unexpected(now.error());
    if (!changed)
      return fail(ErrorCode::AlreadyExists,
                  "the patient was changed by someone else since it was opened (version " +
                      std::to_string(now->version) + "); reload it and make the change again");
    out.patient = std::move(*now);
    return out;
  });
}

Result<std::optional<Patient>> Patients::get(int64_t id) {
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  auto p = read_one(**c, id);
  if (!p && p.error().code == ErrorCode::NotFound) return std::optional<Patient>();
  if (!p) return std::unexpected(p.error());
  return std::optional<Patient>(std::move(*p));
}

Result<std::vector<Patient>> Patients::search(const PatientSearch& q) {
  const Dialect& d = db_.dialect();
  std::vector<std::string> any;  // alternatives, OR-ed
  std::vector<SqlValue> args;
  const std::string text(trim(q.text));
  auto prefix = [&](std::string_view s) {
    std::string key = name_key(s);
    std::erase_if(key, [](char c) { return c == '*' || c == '?'; });
    return d.wildcard_parameter(key + "*");
  };
  if (!text.empty()) {
    // "Family, Given" or "Family Given": the family name starts with the first, the given name
    // with the second; or the whole text starts a family name (two surnames) or a given name.
    auto comma = text.find(',');
    auto space = text.find(' ');
    auto cut = comma != std::string::npos ? comma : space;
    if (cut != std::string::npos && !trim(text.substr(cut + 1)).empty()) {
      any.push_back("(" + d.wildcard_condition("family_key") + " AND " +
                    d.wildcard_condition("given_key") + ")");
      args.emplace_back(prefix(text.substr(0, cut)));
      args.emplace_back(prefix(text.substr(cut + 1)));
    }
    if (comma == std::string::npos) {
      any.push_back(d.wildcard_condition("family_key"));
      args.emplace_back(prefix(text));
      any.push_back(d.wildcard_condition("given_key"));
      args.emplace_back(prefix(text));
    } else if (cut != std::string::npos && trim(text.substr(cut + 1)).empty()) {
      any.push_back(d.wildcard_condition("family_key"));
      args.emplace_back(prefix(text.substr(0, comma)));
    }
    any.push_back("mrn = ?");
    args.emplace_back(text);
    if (auto key = identifier_key(text); key.size() >= 4) {
      any.push_back("national_id_key = ?");
      args.emplace_back(key);
    }
    if (auto digits = phone_digits(text);
        digits.size() >= 6 && text.find_first_not_of("+0123456789 -().") == std::string::npos) {
      any.push_back(d.wildcard_condition("phone_key"));
      args.emplace_back(d.wildcard_parameter(phone_key(digits) + "*"));
    }
  }
  std::string sql = std::string("SELECT ") + kColumns + " FROM ris_patients";
  std::vector<std::string> all;
  if (!any.empty()) all.push_back("(" + joined(any, " OR ") + ")");
  if (!q.birth_date.empty()) {
    all.push_back("birth_date = ?");
    args.emplace_back(q.birth_date);
  }
  if (!all.empty()) sql += " WHERE " + joined(all, " AND ");
  sql += " ORDER BY family_key, given_key, id LIMIT ? OFFSET ?";
  args.emplace_back(int64_t{q.limit});
  args.emplace_back(int64_t{q.offset});
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  return patients_of((*c)->query(sql, std::span<const SqlValue>(args)));
}

}  // namespace vireo::ris
