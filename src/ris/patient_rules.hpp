// The rules a patient's fields follow, and the keys patients are searched and compared by.
// Pure functions: no storage.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ris/patient.hpp"

namespace vireo::ris {

// Every field's problems, in the order of the form. `today` is the clinic's date (YYYY-MM-DD).
[[nodiscard]] std::vector<FieldError> validate(const PatientFields& p, std::string_view today);

// A real calendar date written YYYY-MM-DD.
[[nodiscard]] bool is_calendar_date(std::string_view d);

// Well-formed UTF-8 without control characters: what a search text must be.
[[nodiscard]] bool is_clean_text(std::string_view s);

// Trims every text field; folds the sex code to upper case.
[[nodiscard]] PatientFields tidy(PatientFields p);

// The key a name part is searched by: upper case, Latin accents folded ("Núñez" -> "NUNEZ").
[[nodiscard]] std::string name_key(std::string_view name);

// How a name sounds, for Spanish, Catalan and English spellings of the same name: "González",
// "Gonsales" and "GONZALEZ" share one key; so do "Valverde" and "Balberde", "Jiménez" and
// "Gimenez", "Llorens" and "Yorens".
[[nodiscard]] std::string sound_key(std::string_view name);

// A national ID or insurance number as compared: letters and digits only, upper case.
[[nodiscard]] std::string identifier_key(std::string_view id);

// The digits of a phone number (how it is searched).
[[nodiscard]] std::string phone_digits(std::string_view phone);

// An MRN made from `pattern` and a counter: "{seq:N}" is the counter padded to N digits,
// "{yyyy}" the year; any other text is kept. A pattern without {seq} gets the counter appended.
[[nodiscard]] std::string expand_mrn_pattern(std::string_view pattern, int64_t counter,
                                             std::string_view year);

// Whether `pattern` can make MRNs (a DICOM LO of at most 64 characters, no backslash or
// control characters); the reason when it cannot.
[[nodiscard]] std::string mrn_pattern_problem(std::string_view pattern);
// The same for any number a pattern makes (`what`: "accession numbers"), at most `max_chars`.
[[nodiscard]] std::string number_pattern_problem(std::string_view pattern, size_t max_chars,
                                                 std::string_view what);

}  // namespace vireo::ris
