#include "dicom/frame_map.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "core/sha256.hpp"

namespace vireo::dicom {

namespace {

constexpr uint32_t kUndefinedLength = 0xFFFFFFFF;
constexpr uint32_t kItem = 0xFFFEE000;
constexpr uint32_t kItemEnd = 0xFFFEE00D;
constexpr uint32_t kSequenceEnd = 0xFFFEE0DD;
constexpr uint32_t kPixelData = 0x7FE00010;
constexpr int kMaxDepth = 64;  // nesting of sequences; a file deeper than this is not mapped

// Reads a file at absolute offsets through a window, so that walking many small element
// headers costs few system calls.
class Cursor {
 public:
  Cursor(int fd, uint64_t size) : fd_(fd), size_(size) {}
  [[nodiscard]] uint64_t size() const { return size_; }

  bool read(uint64_t at, void* out, size_t n) {
    if (at > size_ || n > size_ - at) return false;
    if (n > kWindow) return pread_all(at, out, n);
    if (at < window_at_ || at + n > window_at_ + window_.size()) {
      window_.resize(static_cast<size_t>(std::min<uint64_t>(kWindow, size_ - at)));
      window_at_ = at;
      if (!pread_all(at, window_.data(), window_.size())) {
        window_.clear();
        return false;
      }
    }
    std::memcpy(out, window_.data() + (at - window_at_), n);
    return true;
  }

  bool pread_all(uint64_t at, void* out, size_t n) const {
    auto* p = static_cast<char*>(out);
    while (n > 0) {
      ssize_t got = ::pread(fd_, p, n, static_cast<off_t>(at));
      if (got <= 0) return false;
      p += got, at += static_cast<uint64_t>(got), n -= static_cast<size_t>(got);
    }
    return true;
  }

 private:
  static constexpr size_t kWindow = 64 * 1024;
  int fd_;
  uint64_t size_;
  std::string window_;
  uint64_t window_at_ = 0;
};

uint16_t le16(const unsigned char* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t le32(const unsigned char* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

struct Header {
  uint32_t tag = 0;
  char vr[3] = {0, 0, 0};  // empty in implicit VR and for items and delimiters
  uint32_t length = 0;
  uint64_t value_at = 0;
  [[nodiscard]] bool undefined() const { return length == kUndefinedLength; }
  [[nodiscard]] uint64_t end() const { return value_at + length; }
};

// PS3.5 7.1.2: these explicit VRs have two reserved bytes and a 32-bit length.
bool long_vr(const char* vr) {
  static constexpr const char* kLong[] = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ",
                                          "SV", "UC", "UN", "UR", "UT", "UV"};
  return std::any_of(std::begin(kLong), std::end(kLong),
                     [&](const char* v) { return v[0] == vr[0] && v[1] == vr[1]; });
}

// Every VR of PS3.5 Table 6.2-1: any other code is a file we do not read as DCMTK would.
bool known_vr(const char* vr) {
  static constexpr const char* kAll[] = {"AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO",
                                         "LT", "OB", "OD", "OF", "OL", "OV", "OW", "PN", "SH", "SL", "SQ",
                                         "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US", "UT", "UV"};
  return std::any_of(std::begin(kAll), std::end(kAll), [&](const char* v) { return v[0] == vr[0] && v[1] == vr[1]; });
}

std::optional<Header> read_header(Cursor& c, uint64_t at, bool explicit_vr) {
  unsigned char b[12];
  if (!c.read(at, b, 8)) return std::nullopt;
  Header h;
  h.tag = (static_cast<uint32_t>(le16(b)) << 16) | le16(b + 2);
  if (!explicit_vr || (h.tag >> 16) == 0xFFFE) {
    h.length = le32(b + 4);
    h.value_at = at + 8;
    return h;
  }
  h.vr[0] = static_cast<char>(b[4]), h.vr[1] = static_cast<char>(b[5]);
  if (!known_vr(h.vr)) return std::nullopt;
  if (!long_vr(h.vr)) {
    h.length = le16(b + 6);
    h.value_at = at + 8;
    return h;
  }
  if (!c.read(at + 8, b + 8, 4)) return std::nullopt;
  h.length = le32(b + 8);
  h.value_at = at + 12;
  return h;
}

std::optional<uint64_t> skip_sequence(Cursor& c, uint64_t at, bool explicit_vr, int depth);

// The elements of an item of undefined length, from `at`; the position after its delimiter.
std::optional<uint64_t> skip_item(Cursor& c, uint64_t at, bool explicit_vr, int depth) {
  while (true) {
    auto h = read_header(c, at, explicit_vr);
    if (!h) return std::nullopt;
    if (h->tag == kItemEnd) return h->value_at;
    if (!h->undefined()) {
      at = h->end();
      continue;
    }
    // A sequence, or encapsulated pixel data (an icon image): items up to a delimiter. The
    // value of UN of undefined length is Implicit VR Little Endian (PS3.5 6.2.2).
    auto next =
        skip_sequence(c, h->value_at, explicit_vr && std::strcmp(h->vr, "UN") != 0, depth + 1);
    if (!next) return std::nullopt;
    at = *next;
  }
}

// The items of a value of undefined length, from `at`; the position after its delimiter.
std::optional<uint64_t> skip_sequence(Cursor& c, uint64_t at, bool explicit_vr, int depth) {
  if (depth > kMaxDepth) return std::nullopt;
  while (true) {
    auto h = read_header(c, at, explicit_vr);
    if (!h) return std::nullopt;
    if (h->tag == kSequenceEnd) return h->value_at;
    if (h->tag != kItem) return std::nullopt;
    if (!h->undefined()) {
      at = h->end();
      continue;
    }
    auto next = skip_item(c, h->value_at, explicit_vr, depth);
    if (!next) return std::nullopt;
    at = *next;
  }
}

std::string read_text(Cursor& c, const Header& h) {
  std::string v(std::min<uint32_t>(h.length, 64), '\0');
  if (!c.read(h.value_at, v.data(), v.size())) return {};
  while (!v.empty() && (v.back() == ' ' || v.back() == '\0')) v.pop_back();
  while (!v.empty() && v.front() == ' ') v.erase(v.begin());
  return v;
}

// One US value; 0 (which no geometry accepts) for anything else.
uint16_t read_us(Cursor& c, const Header& h) {
  unsigned char b[2];
  return h.length == 2 && c.read(h.value_at, b, 2) ? le16(b) : 0;
}

// What the header says about the pixels, read on the way to them.
struct Geometry {
  uint64_t rows = 0, columns = 0, samples = 1, bits = 0, frames = 1;
  std::string photometric;
};

std::optional<std::vector<MappedFrame>> native_frames(const Geometry& g, const Header& pixels) {
  if (g.bits == 0 || g.bits % 8 != 0 || g.photometric.find("_422") != std::string::npos)
    return std::nullopt;
  const uint64_t frame_size = g.rows * g.columns * g.samples * (g.bits / 8);  // < 2^62: each factor < 2^16
  if (frame_size == 0 || frame_size > pixels.length / g.frames) return std::nullopt;
  std::vector<MappedFrame> out(g.frames);
  for (uint64_t i = 0; i < g.frames; ++i)
    out[i].pieces.push_back({pixels.value_at + i * frame_size, frame_size});
  return out;
}

// PS3.5 A.4: a Basic Offset Table item, then one item per fragment, then a delimiter. A frame
// is one fragment when there are as many as frames (DCMTK decides so too), else the fragments
// from its offset in the table to the next one's.
std::optional<std::vector<MappedFrame>> encapsulated_frames(Cursor& c, const Geometry& g,
                                                            const Header& pixels) {
  auto table = read_header(c, pixels.value_at, true);
  if (!table || table->tag != kItem || table->undefined() || table->length % 4 != 0 || table->end() > c.size())
    return std::nullopt;
  std::vector<uint32_t> offsets(table->length / 4);
  for (size_t i = 0; i < offsets.size(); ++i) {
    unsigned char b[4];
    if (!c.read(table->value_at + 4 * uint64_t{i}, b, 4)) return std::nullopt;
    offsets[i] = le32(b);
  }
  struct Fragment {
    uint64_t item_offset;  // from the first fragment's item, as the offset table counts
    ByteRange value;
  };
  std::vector<Fragment> fragments;
  const uint64_t first = table->end();
  for (uint64_t at = first;;) {
    auto h = read_header(c, at, true);
    if (!h) return std::nullopt;
    if (h->tag == kSequenceEnd) break;
    if (h->tag != kItem || h->undefined() || h->end() > c.size()) return std::nullopt;
    fragments.push_back({at - first, {h->value_at, h->length}});
    at = h->end();
  }
  std::vector<MappedFrame> out(g.frames);
  auto add = [&](MappedFrame& f, const Fragment& fragment) {
    if (fragment.value.length > 0) f.pieces.push_back(fragment.value);
  };
  if (g.frames == 1) {
    for (const auto& fr : fragments) add(out[0], fr);
  } else if (fragments.size() == g.frames) {
    for (size_t i = 0; i < fragments.size(); ++i) add(out[i], fragments[i]);
  } else if (offsets.size() == g.frames && !fragments.empty()) {
    if (std::adjacent_find(offsets.begin(), offsets.end(), std::greater_equal<>()) != offsets.end())
      return std::nullopt;  // frames in order, each at least one fragment long
    size_t k = 0;
    for (size_t i = 0; i < g.frames; ++i) {
      // Each frame starts exactly at a fragment, after the previous frame's.
      if (k >= fragments.size() || fragments[k].item_offset != offsets[i]) return std::nullopt;
      const uint64_t next = i + 1 < g.frames ? offsets[i + 1] : UINT64_MAX;
      for (; k < fragments.size() && fragments[k].item_offset < next; ++k)
        add(out[i], fragments[k]);
    }
  } else {
    return std::nullopt;
  }
  if (std::any_of(out.begin(), out.end(), [](const MappedFrame& f) { return f.size() == 0; })) return std::nullopt;
  return out;
}

// The first 16 hex digits of the SHA-256 of each frame's bytes.
bool hash_frames(Cursor& c, std::vector<MappedFrame>& frames) {
  std::string buffer(1 << 20, '\0');
  for (auto& f : frames) {
    Sha256 h;
    for (const auto& p : f.pieces)
      for (uint64_t done = 0; done < p.length;) {
        size_t n = static_cast<size_t>(std::min<uint64_t>(buffer.size(), p.length - done));
        if (!c.pread_all(p.offset + done, buffer.data(), n)) return false;
        h.update(buffer.data(), n);
        done += n;
      }
    f.sha16 = h.hex_digest().substr(0, 16);
  }
  return true;
}

std::optional<FrameMap> map_file(Cursor& c, FrameHashes hashes) {
  char magic[4];
  if (!c.read(128, magic, 4) || std::memcmp(magic, "DICM", 4) != 0) return std::nullopt;
  // File Meta Information: Explicit VR Little Endian, group 0002.
  uint64_t at = 132;
  std::string syntax;
  while (true) {
    unsigned char group[2];
    if (!c.read(at, group, 2)) return std::nullopt;
    if (le16(group) != 0x0002) break;  // the dataset, in its own encoding
    auto h = read_header(c, at, true);
    if (!h || h->undefined()) return std::nullopt;
    if (h->tag == 0x00020010) syntax = read_text(c, *h);
    at = h->end();
  }
  if (syntax.empty() || syntax == "1.2.840.10008.1.2.1.99" || syntax == "1.2.840.10008.1.2.2")
    return std::nullopt;
  const bool explicit_vr = syntax != "1.2.840.10008.1.2";
  // Only these two carry native pixel data; every other syntax left encapsulates it.
  const bool native_syntax = !explicit_vr || syntax == "1.2.840.10008.1.2.1";
  Geometry g;
  for (uint32_t previous = 0;;) {
    auto h = read_header(c, at, explicit_vr);
    // Attributes in ascending order (PS3.5 7.1), as DCMTK reads them: a file that repeats one
    // could be read two ways.
    if (!h || h->tag > kPixelData || h->tag <= previous) return std::nullopt;
    previous = h->tag;
    switch (h->tag) {
      case 0x00280002:
        g.samples = read_us(c, *h);
        break;
      case 0x00280004:
        g.photometric = read_text(c, *h);
        break;
      case 0x00280010:
        g.rows = read_us(c, *h);
        break;
      case 0x00280011:
        g.columns = read_us(c, *h);
        break;
      case 0x00280100:
        g.bits = read_us(c, *h);
        break;
      case 0x00280008: {
        if (h->length > 12) return std::nullopt;  // an IS value has at most 12 characters
        std::string v = read_text(c, *h);
        uint64_t n = 0;
        auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (ec != std::errc() || p != v.data() + v.size() || n == 0) return std::nullopt;
        g.frames = n;
        break;
      }
      default:
        break;
    }
    if (h->tag == kPixelData) {
      if (g.frames > 1'000'000) return std::nullopt;
      FrameMap map;
      map.encapsulated = h->undefined();
      if (map.encapsulated == native_syntax) return std::nullopt;
      auto frames = map.encapsulated ? (explicit_vr ? encapsulated_frames(c, g, *h) : std::nullopt)
                                     : (h->end() <= c.size() ? native_frames(g, *h) : std::nullopt);
      if (!frames || (hashes == FrameHashes::Compute && !hash_frames(c, *frames)))
        return std::nullopt;
      map.frames = std::move(*frames);
      return map;
    }
    if (!h->undefined()) {
      at = h->end();
      continue;
    }
    auto next = skip_sequence(c, h->value_at, explicit_vr && std::strcmp(h->vr, "UN") != 0, 0);
    if (!next) return std::nullopt;
    at = *next;
  }
}

bool parse_number(std::string_view& s, uint64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || p == s.data()) return false;
  s.remove_prefix(static_cast<size_t>(p - s.data()));
  return true;
}

bool take(std::string_view& s, char c) {
  if (s.empty() || s.front() != c) return false;
  s.remove_prefix(1);
  return true;
}

}  // namespace

uint64_t MappedFrame::size() const {
  uint64_t n = 0;
  for (const auto& p : pieces) n += p.length;
  return n;
}

std::string FrameMap::encode() const {
  std::string out = encapsulated ? "E|" : "N|";
  for (size_t i = 0; i < frames.size(); ++i) {
    if (i > 0) out += ';';
    out += frames[i].sha16;
    for (size_t k = 0; k < frames[i].pieces.size(); ++k) {
      out += k == 0 ? '@' : ',';
      out += std::to_string(frames[i].pieces[k].offset) + "+" +
             std::to_string(frames[i].pieces[k].length);
    }
  }
  return out;
}

std::optional<FrameMap> FrameMap::decode(std::string_view s) {
  FrameMap map;
  if (s.size() < 2 || (s[0] != 'E' && s[0] != 'N') || s[1] != '|') return std::nullopt;
  map.encapsulated = s[0] == 'E';
  s.remove_prefix(2);
  while (!s.empty()) {
    MappedFrame f;
    if (s.size() < 16) return std::nullopt;
    f.sha16 = std::string(s.substr(0, 16));
    if (f.sha16.find_first_not_of("0123456789abcdef") != std::string::npos) return std::nullopt;
    s.remove_prefix(16);
    for (bool more = take(s, '@'); more; more = take(s, ',')) {
      ByteRange r;
      if (!parse_number(s, r.offset) || !take(s, '+') || !parse_number(s, r.length))
        return std::nullopt;
      f.pieces.push_back(r);
    }
    map.frames.push_back(std::move(f));
    if (!s.empty() && (!take(s, ';') || s.empty())) return std::nullopt;
  }
  if (map.frames.empty()) return std::nullopt;
  return map;
}

std::optional<std::string> read_frame(const std::filesystem::path& path, const MappedFrame& frame) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  std::optional<std::string> out;
  if (::fstat(fd, &st) == 0) {
    Cursor c(fd, static_cast<uint64_t>(st.st_size));
    std::string bytes;
    bool ok = frame.size() <= c.size();
    if (ok) bytes.reserve(frame.size());
    for (const auto& p : frame.pieces) {
      if (!ok || p.offset > c.size() || p.length > c.size() - p.offset) {
        ok = false;
        break;
      }
      const size_t at = bytes.size();
      bytes.resize(at + p.length);
      ok = c.pread_all(p.offset, bytes.data() + at, p.length);
    }
    if (ok) out = std::move(bytes);
  }
  ::close(fd);
  return out;
}

std::optional<FrameMap> map_frames(const std::filesystem::path& path, FrameHashes hashes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  std::optional<FrameMap> map;
  if (::fstat(fd, &st) == 0) {
    Cursor c(fd, static_cast<uint64_t>(st.st_size));
    map = map_file(c, hashes);
  }
  ::close(fd);
  return map;
}

}  // namespace vireo::dicom
