#include "pdf/pdf_syntax.hpp"

#include <charconv>
#include <set>

namespace vireo::pdf::detail {

namespace {

// Nesting deeper than this is not a report: a hostile file must not exhaust the stack.
constexpr int kMaxDepth = 64;
// A /Prev chain longer than this is not a report either (and may be a loop).
constexpr int kMaxSections = 256;

// ISO 32000-1 7.2.2: white-space and delimiter characters.
bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\0'; }
bool is_delimiter(char c) {
  return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' || c == '{' || c == '}' || c == '/' ||
         c == '%';
}
bool is_regular(char c) { return !is_space(c) && !is_delimiter(c); }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A cursor over PDF text that skips white space and comments and measures objects.
class Lexer {
 public:
  explicit Lexer(std::string_view text, size_t at = 0) : text_(text), at_(at) {}

  size_t at() const { return at_; }
  bool done() { return skip_space() >= text_.size(); }

  size_t skip_space() {
    while (at_ < text_.size()) {
      if (is_space(text_[at_])) {
        ++at_;
      } else if (text_[at_] == '%') {
        while (at_ < text_.size() && text_[at_] != '\n' && text_[at_] != '\r') ++at_;
      } else {
        break;
      }
    }
    return at_;
  }

  bool starts_with(std::string_view s) {
    skip_space();
    return text_.substr(at_).starts_with(s);
  }

  // A run of regular characters: a number or a keyword (obj, R, true, trailer...).
  std::string_view word() {
    skip_space();
    size_t begin = at_;
    while (at_ < text_.size() && is_regular(text_[at_])) ++at_;
    return text_.substr(begin, at_ - begin);
  }

  // One object's text (a reference "4 0 R" counts as one), or nullopt when malformed.
  std::optional<std::string_view> value(int depth = 0) {
    if (depth > kMaxDepth) return std::nullopt;
    size_t begin = skip_space();
    if (at_ >= text_.size()) return std::nullopt;
    char c = text_[at_];
    bool ok = true;
    if (text_.substr(at_).starts_with("<<")) {
      ok = dictionary(depth);
    } else if (c == '<') {
      size_t close = text_.find('>', at_);
      ok = close != std::string_view::npos;
      at_ = ok ? close + 1 : at_;
    } else if (c == '(') {
      ok = literal_string();
    } else if (c == '[') {
      ++at_;
      while (ok && !starts_with("]")) ok = at_ < text_.size() && value(depth + 1).has_value();
      if (ok) ++at_;
    } else if (c == '/') {
      ++at_;
      while (at_ < text_.size() && is_regular(text_[at_])) ++at_;
    } else if (is_regular(c)) {
      std::string_view first = word();
      // "n g R": look ahead without consuming when it is not a reference.
      if (is_unsigned(first)) {
        size_t after_first = at_;
        std::string_view second = word();
        std::string_view third = is_unsigned(second) ? word() : std::string_view();
        if (third != "R") at_ = after_first;
      }
    } else {
      ok = false;
    }
    if (!ok) return std::nullopt;
    return text_.substr(begin, at_ - begin);
  }

 private:
  static bool is_unsigned(std::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
  }

  bool dictionary(int depth) {
    at_ += 2;
    while (!starts_with(">>")) {
      if (at_ >= text_.size() || text_[at_] != '/') return false;
      if (!value(depth + 1) || !value(depth + 1)) return false;  // key, value
    }
    at_ += 2;
    return true;
  }

  // ISO 32000-1 7.3.4.2: balanced parentheses may appear unescaped; a backslash escapes
  // the next character.
  bool literal_string() {
    int open = 0;
    for (; at_ < text_.size(); ++at_) {
      char c = text_[at_];
      if (c == '\\') {
        ++at_;
      } else if (c == '(') {
        ++open;
      } else if (c == ')' && --open == 0) {
        ++at_;
        return true;
      }
    }
    return false;
  }

  std::string_view text_;
  size_t at_;
};

template <typename T>
std::optional<T> parse_number(std::string_view text) {
  T value{};
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

Result<void> read_section(std::string_view pdf, size_t offset, CrossReference& xref, std::string_view& trailer) {
  Lexer lex(pdf, offset);
  if (lex.word() != "xref") {
    Lexer object(pdf, offset);
    bool is_object = parse_number<int>(object.word()) && parse_number<int>(object.word()) && object.word() == "obj";
    if (is_object)
      return fail(ErrorCode::InvalidArgument,
                  "the PDF uses a cross-reference stream (PDF 1.5 compression), which this signer does not read");
    return fail(ErrorCode::InvalidArgument, "startxref does not point at a cross-reference table");
  }
  while (!lex.starts_with("trailer")) {
    auto first = parse_number<int>(lex.word());
    auto count = parse_number<int>(lex.word());
    // (the sum of the two must fit an object number: a hostile section must not overflow it)
    if (!first || !count || *first < 0 || *count < 0 || *count > 10'000'000 || *first > 100'000'000)
      return fail(ErrorCode::InvalidArgument, "a malformed cross-reference subsection");
    for (int i = 0; i < *count; ++i) {
      auto entry_offset = parse_number<size_t>(lex.word());
      auto generation = parse_number<int>(lex.word());
      std::string_view type = lex.word();
      if (!entry_offset || !generation || (type != "n" && type != "f"))
        return fail(ErrorCode::InvalidArgument, "a malformed cross-reference entry");
      // Newer sections are read first: an object an update replaced keeps its new place.
      if (type == "n" && *entry_offset < pdf.size())
        xref.objects.try_emplace(*first + i, CrossReference::Entry{*entry_offset, *generation});
      else if (type == "f")
        xref.objects.try_emplace(*first + i, CrossReference::Entry{0, -1});  // freed: hides older entries
    }
  }
  (void)lex.word();  // "trailer"
  auto dictionary = lex.value();
  if (!dictionary || !dictionary->starts_with("<<")) return fail(ErrorCode::InvalidArgument, "a malformed trailer");
  trailer = *dictionary;
  return {};
}

}  // namespace

Result<std::vector<DictionaryEntry>> dictionary_entries(std::string_view dictionary) {
  Lexer lex(dictionary);
  if (!lex.starts_with("<<")) return fail(ErrorCode::InvalidArgument, "not a PDF dictionary");
  size_t open = lex.at();
  if (!lex.value()) return fail(ErrorCode::InvalidArgument, "a malformed PDF dictionary");
  std::vector<DictionaryEntry> entries;
  Lexer inner(dictionary, open + 2);
  while (!inner.starts_with(">>")) {
    auto key = inner.value();
    auto value = inner.value();
    if (!key || !value || !key->starts_with("/")) return fail(ErrorCode::InvalidArgument, "a malformed PDF dictionary");
    entries.push_back({key->substr(1), *value});
  }
  return entries;
}

std::optional<std::string_view> dictionary_value(std::string_view dictionary, std::string_view key) {
  auto entries = dictionary_entries(dictionary);
  if (!entries) return std::nullopt;
  for (const auto& entry : *entries)
    if (entry.key == key) return entry.value;
  return std::nullopt;
}

Result<std::string> with_entry(std::string_view dictionary, std::string_view key, std::string_view value) {
  auto entries = dictionary_entries(dictionary);
  if (!entries) return std::unexpected(entries.error());
  for (const auto& entry : *entries) {
    if (entry.key != key) continue;
    size_t begin = static_cast<size_t>(entry.value.data() - dictionary.data());
    return std::string(dictionary.substr(0, begin)) + std::string(value) +
           std::string(dictionary.substr(begin + entry.value.size()));
  }
  size_t close = dictionary.rfind(">>");
  return std::string(dictionary.substr(0, close)) + "/" + std::string(key) + " " + std::string(value) + "\n>>";
}

Result<std::vector<std::string_view>> array_items(std::string_view array) {
  Lexer lex(array);
  if (!lex.starts_with("[")) return fail(ErrorCode::InvalidArgument, "not a PDF array");
  Lexer inner(array, lex.at() + 1);
  std::vector<std::string_view> items;
  while (!inner.starts_with("]")) {
    auto item = inner.value();
    if (!item) return fail(ErrorCode::InvalidArgument, "a malformed PDF array");
    items.push_back(*item);
  }
  return items;
}

std::optional<Reference> as_reference(std::string_view value) {
  Lexer lex(value);
  auto number = parse_number<int>(lex.word());
  auto generation = parse_number<int>(lex.word());
  if (!number || !generation || lex.word() != "R" || !lex.done()) return std::nullopt;
  return Reference{*number, *generation};
}

std::optional<long long> as_integer(std::string_view value) {
  Lexer lex(value);
  auto number = parse_number<long long>(lex.word());
  if (!number || !lex.done()) return std::nullopt;
  return number;
}

std::optional<std::string> as_string(std::string_view value) {
  std::string out;
  if (value.size() >= 2 && value.front() == '<' && value.back() == '>') {
    int high = -1;
    for (char c : value.substr(1, value.size() - 2)) {
      if (is_space(c)) continue;
      int v = hex_value(c);
      if (v < 0) return std::nullopt;
      if (high < 0) {
        high = v;
      } else {
        out += static_cast<char>(high * 16 + v);
        high = -1;
      }
    }
    if (high >= 0) out += static_cast<char>(high * 16);  // 7.3.4.3: a missing last digit is 0
    return out;
  }
  if (value.size() < 2 || value.front() != '(' || value.back() != ')') return std::nullopt;
  std::string_view body = value.substr(1, value.size() - 2);
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c != '\\' || i + 1 >= body.size()) {
      out += c;
      continue;
    }
    char e = body[++i];
    switch (e) {
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case '\r':
        if (i + 1 < body.size() && body[i + 1] == '\n') ++i;
        break;
      case '\n': break;
      default:
        if (e >= '0' && e <= '7') {
          int octal = e - '0';
          for (int k = 0; k < 2 && i + 1 < body.size() && body[i + 1] >= '0' && body[i + 1] <= '7'; ++k)
            octal = octal * 8 + (body[++i] - '0');
          out += static_cast<char>(octal & 0xFF);
        } else {
          out += e;
        }
    }
  }
  return out;
}

std::optional<std::string> as_name(std::string_view value) {
  if (value.empty() || value.front() != '/') return std::nullopt;
  std::string out;
  for (size_t i = 1; i < value.size(); ++i) {
    if (value[i] == '#' && i + 2 < value.size() && hex_value(value[i + 1]) >= 0 && hex_value(value[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(value[i + 1]) * 16 + hex_value(value[i + 2]));
      i += 2;
    } else {
      out += value[i];
    }
  }
  return out;
}

Result<CrossReference> read_cross_reference(std::string_view pdf) {
  if (!pdf.starts_with("%PDF-")) return fail(ErrorCode::InvalidArgument, "the data is not a PDF file (no %PDF- header)");
  size_t keyword = pdf.rfind("startxref");
  if (keyword == std::string_view::npos) return fail(ErrorCode::InvalidArgument, "the PDF has no startxref");
  Lexer lex(pdf, keyword + 9);
  auto start = parse_number<size_t>(lex.word());
  if (!start || *start >= pdf.size()) return fail(ErrorCode::InvalidArgument, "the PDF's startxref is not an offset in it");
  CrossReference xref;
  xref.startxref = *start;
  std::set<size_t> seen;
  std::optional<size_t> next = *start;
  for (int sections = 0; next; ++sections) {
    if (sections >= kMaxSections || !seen.insert(*next).second)
      return fail(ErrorCode::InvalidArgument, "the PDF's /Prev chain loops");
    std::string_view trailer;
    if (auto read = read_section(pdf, *next, xref, trailer); !read) return std::unexpected(read.error());
    if (sections == 0) xref.trailer = trailer;
    next.reset();
    if (auto prev = dictionary_value(trailer, "Prev")) {
      auto offset = as_integer(*prev);
      if (!offset || *offset < 0 || static_cast<size_t>(*offset) >= pdf.size())
        return fail(ErrorCode::InvalidArgument, "the PDF's /Prev is not an offset in it");
      next = static_cast<size_t>(*offset);
    }
  }
  auto size = dictionary_value(xref.trailer, "Size");
  auto size_value = size ? as_integer(*size) : std::nullopt;
  if (!size_value || *size_value < 1 || *size_value > 10'000'000)
    return fail(ErrorCode::InvalidArgument, "the PDF's trailer has no valid /Size");
  xref.size = static_cast<int>(*size_value);
  std::erase_if(xref.objects, [](const auto& item) { return item.second.generation < 0; });
  return xref;
}

Result<std::string_view> object_value(std::string_view pdf, const CrossReference& xref, int number) {
  auto entry = xref.objects.find(number);
  if (entry == xref.objects.end())
    return fail(ErrorCode::NotFound, "object " + std::to_string(number) + " is not in the PDF's cross-reference table");
  Lexer lex(pdf, entry->second.offset);
  auto found = parse_number<int>(lex.word());
  auto generation = parse_number<int>(lex.word());
  if (found != number || !generation || lex.word() != "obj")
    return fail(ErrorCode::InvalidArgument, "object " + std::to_string(number) + " is not where the table says");
  auto value = lex.value();
  if (!value) return fail(ErrorCode::InvalidArgument, "object " + std::to_string(number) + " is malformed");
  return *value;
}

Result<std::string_view> resolve(std::string_view pdf, const CrossReference& xref, std::string_view value) {
  if (auto ref = as_reference(value)) return object_value(pdf, xref, ref->number);
  return value;
}

}  // namespace vireo::pdf::detail
