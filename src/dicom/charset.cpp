#include "dicom/charset.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcbytstr.h>
#include <iconv.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include "core/strings.hpp"

namespace vireo::dicom {

namespace {

std::string g_default_character_set = "ISO_IR 100";

// What a graphic set is, once designated (PS3.3 Table C.12-2 to C.12-5).
enum class Kind { None, Ascii, JisRoman, Jis0208, Jis0212, Katakana, SingleByte, Ksx1001, Gb2312 };

struct Designation {
  Kind kind = Kind::None;
  const char* iconv_name = nullptr;  // SingleByte: the ISO 8859 (or TIS) part it is
};

// The 96-character sets invoked into G1 by ESC - F, by final byte F.
struct SingleByteSet {
  char final_byte;
  const char* ir;  // the number in its defined terms
  const char* iconv_name;
};
constexpr std::array<SingleByteSet, 11> kSingleByteSets{{
    {'A', "100", "ISO-8859-1"}, {'B', "101", "ISO-8859-2"}, {'C', "109", "ISO-8859-3"},
    {'D', "110", "ISO-8859-4"}, {'L', "144", "ISO-8859-5"}, {'G', "127", "ISO-8859-6"},
    {'F', "126", "ISO-8859-7"}, {'H', "138", "ISO-8859-8"}, {'M', "148", "ISO-8859-9"},
    {'T', "166", "TIS-620"},    {'b', "203", "ISO-8859-15"},
}};

const SingleByteSet* single_byte_set(std::string_view ir) {
  for (const auto& s : kSingleByteSets)
    if (ir == s.ir) return &s;
  return nullptr;
}

// Converts `bytes` from `from` to UTF-8 with the C library's iconv; null if any byte is invalid.
std::optional<std::string> iconv_to_utf8(const std::string& bytes, const char* from) {
  iconv_t cd = iconv_open("UTF-8", from);
  if (cd == reinterpret_cast<iconv_t>(-1)) return std::nullopt;
  std::string out(bytes.size() * 4 + 16, '\0');
  char* in = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size();
  char* o = out.data();
  size_t out_left = out.size();
  size_t r = iconv(cd, &in, &in_left, &o, &out_left);
  iconv_close(cd);
  if (r == static_cast<size_t>(-1) || in_left != 0) return std::nullopt;
  out.resize(out.size() - out_left);
  return out;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    if (n == 2 && c < 0xC2) return false;  // overlong
    i += n;
  }
  return true;
}

// ASCII kept; every other byte (and ESC) one U+FFFD.
std::string replaced(std::string_view bytes) {
  std::string out;
  for (char ch : bytes) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x80 && c != 0x1B) out += ch;
    else out += "\xEF\xBF\xBD";
  }
  return out;
}

bool has_code_extensions(const std::vector<std::string>& sets) {
  for (const auto& s : sets)
    if (s.starts_with("ISO 2022")) return true;
  return false;
}

// The state a value starts in: G0 and G1 as the first value designates them.
std::optional<std::pair<Designation, Designation>> initial_state(const std::string& first) {
  Designation g0{Kind::Ascii}, g1{};
  if (first.empty() || first == "ISO 2022 IR 6" || first == "ISO_IR 6") return std::pair{g0, g1};
  if (first == "ISO 2022 IR 13" || first == "ISO_IR 13") return std::pair{Designation{Kind::JisRoman}, Designation{Kind::Katakana}};
  if (first == "ISO 2022 IR 149") return std::pair{g0, Designation{Kind::Ksx1001}};
  if (first == "ISO 2022 IR 58") return std::pair{g0, Designation{Kind::Gb2312}};
  if (first == "ISO 2022 IR 87" || first == "ISO 2022 IR 159") return std::pair{g0, g1};
  for (std::string_view prefix : {"ISO 2022 IR ", "ISO_IR "}) {
    if (first.starts_with(prefix)) {
      if (const auto* s = single_byte_set(std::string_view(first).substr(prefix.size())))
        return std::pair{g0, Designation{Kind::SingleByte, s->iconv_name}};
    }
  }
  return std::nullopt;
}

// ISO 2022 decoding: escape sequences switch G0 and G1; each run of bytes in one set goes to
// iconv (or a table) as the plain encoding it is.
std::optional<std::string> decode_iso2022(std::string_view bytes, const std::vector<std::string>& sets) {
  auto state = initial_state(sets.empty() ? std::string() : sets.front());
  if (!state) return std::nullopt;
  auto [g0, g1] = *state;
  std::string out, run;  // `run`: bytes of one iconv encoding not yet converted
  const char* run_encoding = nullptr;
  auto flush = [&]() -> bool {
    if (run.empty()) return true;
    auto text = iconv_to_utf8(run, run_encoding);
    if (!text) return false;
    out += *text;
    run.clear();
    return true;
  };
  auto add = [&](const char* encoding, std::initializer_list<unsigned char> b) -> bool {
    if (run_encoding != encoding && !flush()) return false;
    run_encoding = encoding;
    for (auto c : b) run += static_cast<char>(c);
    return true;
  };
  for (size_t i = 0; i < bytes.size();) {
    auto c = static_cast<unsigned char>(bytes[i]);
    if (c == 0x1B) {  // an escape sequence: which set goes where
      auto rest = bytes.substr(i + 1);
      auto starts = [&](std::string_view s) { return rest.starts_with(s); };
      size_t len;
      if (starts("(B")) g0 = {Kind::Ascii}, len = 2;
      else if (starts("(J")) g0 = {Kind::JisRoman}, len = 2;
      else if (starts("$B") || starts("$@")) g0 = {Kind::Jis0208}, len = 2;
      else if (starts("$(D")) g0 = {Kind::Jis0212}, len = 3;
      else if (starts(")I")) g1 = {Kind::Katakana}, len = 2;
      else if (starts("$)C")) g1 = {Kind::Ksx1001}, len = 3;
      else if (starts("$)A")) g1 = {Kind::Gb2312}, len = 3;
      else if (rest.size() >= 2 && rest[0] == '-') {
        const SingleByteSet* s = nullptr;
        for (const auto& x : kSingleByteSets)
          if (x.final_byte == rest[1]) s = &x;
        if (!s) return std::nullopt;
        g1 = {Kind::SingleByte, s->iconv_name};
        len = 2;
      } else {
        return std::nullopt;
      }
      i += 1 + len;
      continue;
    }
    if (c < 0x21 || c == 0x7F) {  // controls and space are the same in every set
      if (!flush()) return std::nullopt;
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    if (c < 0x80) {  // GL: G0
      if ((g0.kind == Kind::Jis0208 || g0.kind == Kind::Jis0212)) {
        if (i + 1 >= bytes.size()) return std::nullopt;
        auto d = static_cast<unsigned char>(bytes[i + 1]);
        if (d < 0x21 || d > 0x7E) return std::nullopt;
        bool ok = g0.kind == Kind::Jis0208 ? add("EUC-JP", {static_cast<unsigned char>(c | 0x80), static_cast<unsigned char>(d | 0x80)})
                                          : add("EUC-JP", {0x8F, static_cast<unsigned char>(c | 0x80), static_cast<unsigned char>(d | 0x80)});
        if (!ok) return std::nullopt;
        i += 2;
      } else {  // ASCII, and JIS X 0201 Roman (whose two differing letters are kept as ASCII:
                // 05/12 is the value delimiter whatever the set)
        if (!flush()) return std::nullopt;
        out += static_cast<char>(c);
        ++i;
      }
      continue;
    }
    // GR: G1
    switch (g1.kind) {
      case Kind::Katakana:
        if (c < 0xA1 || c > 0xDF || !flush()) return std::nullopt;
        append_utf8(out, 0xFF61 + (c - 0xA1));
        ++i;
        break;
      case Kind::SingleByte:
        if (c < 0xA0 || !add(g1.iconv_name, {c})) return std::nullopt;
        ++i;
        break;
      case Kind::Ksx1001:
      case Kind::Gb2312: {
        if (i + 1 >= bytes.size()) return std::nullopt;
        auto d = static_cast<unsigned char>(bytes[i + 1]);
        if (!add(g1.kind == Kind::Ksx1001 ? "EUC-KR" : "GB2312", {c, d})) return std::nullopt;
        i += 2;
        break;
      }
      default:
        return std::nullopt;
    }
  }
  if (!flush()) return std::nullopt;
  return out;
}

const char* plain_encoding(const std::string& term) {
  if (term == "GB18030") return "GB18030";
  if (term == "GBK") return "GBK";
  if (term.starts_with("ISO_IR ")) {
    if (const auto* s = single_byte_set(std::string_view(term).substr(7))) return s->iconv_name;
  }
  return nullptr;
}

std::vector<std::string> character_sets_of(DcmItem& item, bool& present) {
  std::vector<std::string> out;
  OFString all;
  present = item.findAndGetOFStringArray(DCM_SpecificCharacterSet, all, OFFalse).good();
  if (!present) return out;
  for (const auto& v : split(std::string_view(all.c_str(), all.size()), '\\')) out.emplace_back(trim(v));
  if (out.size() == 1 && out.front().empty()) out.clear();
  return out;
}

bool is_text_vr(DcmEVR vr) {
  return vr == EVR_SH || vr == EVR_LO || vr == EVR_UC || vr == EVR_ST || vr == EVR_LT || vr == EVR_UT ||
         vr == EVR_PN;
}

// Returns whether any value of the item (or its sequences) was changed.
bool convert(DcmItem& item, const std::vector<std::string>& inherited) {
  bool own = false;
  auto sets = character_sets_of(item, own);
  if (!own) sets = inherited;
  bool changed = false;
  for (unsigned long i = 0; i < item.card(); ++i) {
    DcmElement* elem = item.getElement(i);
    if (elem->ident() == EVR_SQ) {
      auto* seq = static_cast<DcmSequenceOfItems*>(elem);
      for (unsigned long k = 0; k < seq->card(); ++k) changed |= convert(*seq->getItem(k), sets);
      continue;
    }
    if (!is_text_vr(elem->ident())) continue;
    char* raw = nullptr;
    Uint32 length = 0;
    if (static_cast<DcmByteString*>(elem)->getString(raw, length).bad() || !raw) continue;
    std::string_view bytes(raw, length);
    if (std::all_of(bytes.begin(), bytes.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x80 && ch != 0x1B; }))
      continue;
    auto text = decode_to_utf8(bytes, sets);
    std::string utf8 = text ? *text : replaced(bytes);
    elem->putString(utf8.c_str(), static_cast<Uint32>(utf8.size()));
    changed = true;
  }
  if (own && (changed || !(sets.size() == 1 && sets.front() == "ISO_IR 192")) && !sets.empty())
    item.putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192");
  return changed;
}

}  // namespace

void set_default_character_set(std::string defined_term) { g_default_character_set = std::move(defined_term); }

const std::string& default_character_set() { return g_default_character_set; }

bool known_character_set(std::string_view term) {
  std::string t(term);
  return t == "ISO_IR 192" || plain_encoding(t) != nullptr || initial_state(t).has_value();
}

std::optional<std::string> decode_to_utf8(std::string_view bytes, const std::vector<std::string>& sets) {
  if (sets.empty()) {
    // Declared nothing: text that is valid UTF-8 is taken as such (many writers forget to say
    // ISO_IR 192, and Latin-1 text is almost never valid UTF-8); else the site's default.
    if (valid_utf8(bytes)) return std::string(bytes);
    if (g_default_character_set.empty()) return std::nullopt;
    return decode_to_utf8(bytes, {g_default_character_set});
  }
  if (sets.size() == 1 && sets.front() == "ISO_IR 192") {
    if (!valid_utf8(bytes)) return std::nullopt;
    return std::string(bytes);
  }
  if (!has_code_extensions(sets)) {
    if (const char* encoding = plain_encoding(sets.front())) return iconv_to_utf8(std::string(bytes), encoding);
    if (sets.front() == "ISO_IR 13") return decode_iso2022(bytes, sets);
    return std::nullopt;
  }
  return decode_iso2022(bytes, sets);
}

void convert_item_to_utf8(DcmItem& item) {
  bool declared = false;
  (void)character_sets_of(item, declared);
  // Text that declared nothing and was decoded (default_encoding) is UTF-8 now: say so.
  if (convert(item, {}) && !declared) item.putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192");
}

}  // namespace vireo::dicom
