#include "pdf/report_layout.hpp"

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <string_view>

namespace vireo::pdf {

namespace {

// A4 in PostScript points (210 × 297 mm); cairo's PDF unit is the point.
constexpr double kPageWidth = 595.276;
constexpr double kPageHeight = 841.890;
constexpr double kMarginX = 51.0;                     // 18 mm
constexpr double kMarginTop = 42.5;                   // 15 mm
constexpr double kFooterTop = kPageHeight - 45.0;     // the footer's rule
constexpr double kContentBottom = kFooterTop - 14.0;  // nothing flows below this
constexpr double kContentWidth = kPageWidth - 2 * kMarginX;
// fontconfig falls back through these, then to any font covering the text (CJK).
constexpr const char* kFontFamily = "Noto Sans, Noto Sans Arabic, DejaVu Sans";

struct Colour {
  double r = 0, g = 0, b = 0;
};
constexpr Colour kInk{0.12, 0.14, 0.17};
constexpr Colour kMuted{0.39, 0.42, 0.47};
constexpr Colour kAccent{0.09, 0.27, 0.45};
constexpr Colour kRule{0.80, 0.82, 0.85};
constexpr Colour kShade{0.945, 0.953, 0.965};
constexpr Colour kWhite{1, 1, 1};

struct TextStyle {
  double size = 9.5;
  bool bold = false;
  Colour colour = kInk;
  PangoAlignment align = PANGO_ALIGN_LEFT;
  double line_spacing = 0;  // 0: the font's own; else a factor of the font's height
  bool auto_dir = true;     // false: keep left alignment for right-to-left text (labels, names)
};
constexpr TextStyle kBody{.size = 9.5, .line_spacing = 1.3};

struct CairoDeleter {
  void operator()(cairo_t* cr) const noexcept { cairo_destroy(cr); }
  void operator()(cairo_surface_t* s) const noexcept { cairo_surface_destroy(s); }
  void operator()(cairo_font_options_t* o) const noexcept { cairo_font_options_destroy(o); }
};
struct GObjectDeleter {
  void operator()(gpointer object) const noexcept { g_object_unref(object); }
};
struct FontDescriptionDeleter {
  void operator()(PangoFontDescription* d) const noexcept { pango_font_description_free(d); }
};

using LayoutPtr = std::shared_ptr<PangoLayout>;
using ImagePtr = std::shared_ptr<cairo_surface_t>;
using DrawOp = std::function<void(cairo_t*)>;

void set_colour(cairo_t* cr, Colour c) { cairo_set_source_rgb(cr, c.r, c.g, c.b); }

double layout_height(PangoLayout* layout) {
  PangoRectangle logical;
  pango_layout_get_extents(layout, nullptr, &logical);
  return static_cast<double>(logical.height) / PANGO_SCALE;
}

double layout_width(PangoLayout* layout) {
  PangoRectangle logical;
  pango_layout_get_extents(layout, nullptr, &logical);
  return static_cast<double>(logical.width) / PANGO_SCALE;
}

// One line of a laid-out paragraph, in the layout's coordinates (points).
struct LineBox {
  int index = 0;
  double x = 0, top = 0, baseline = 0, advance = 0;
};

std::vector<LineBox> line_boxes(PangoLayout* layout) {
  std::vector<LineBox> lines;
  PangoLayoutIter* iter = pango_layout_get_iter(layout);
  int index = 0;
  do {
    PangoRectangle logical;
    pango_layout_iter_get_line_extents(iter, nullptr, &logical);
    lines.push_back({index++, static_cast<double>(logical.x) / PANGO_SCALE, static_cast<double>(logical.y) / PANGO_SCALE,
                     static_cast<double>(pango_layout_iter_get_baseline(iter)) / PANGO_SCALE,
                     static_cast<double>(logical.height) / PANGO_SCALE});
  } while (pango_layout_iter_next_line(iter));
  pango_layout_iter_free(iter);
  // With line spacing the distance to the next line is more than a line's own height.
  for (size_t i = 0; i + 1 < lines.size(); ++i) lines[i].advance = lines[i + 1].top - lines[i].top;
  return lines;
}

// "Page {page} of {pages}" with the numbers in.
std::string page_label(std::string pattern, int page, int pages) {
  for (auto [key, value] : {std::pair{std::string_view("{pages}"), pages}, std::pair{std::string_view("{page}"), page}})
    for (size_t at = pattern.find(key); at != std::string::npos; at = pattern.find(key, at))
      pattern.replace(at, key.size(), std::to_string(value));
  return pattern;
}

cairo_status_t read_png_chunk(void* closure, unsigned char* data, unsigned int length) {
  auto* rest = static_cast<std::string_view*>(closure);
  if (rest->size() < length) return CAIRO_STATUS_READ_ERROR;
  std::memcpy(data, rest->data(), length);
  rest->remove_prefix(length);
  return CAIRO_STATUS_SUCCESS;
}

Result<ImagePtr> decode_png(std::string_view png, const std::string& what) {
  static constexpr std::string_view kSignature("\x89PNG\r\n\x1a\n", 8);
  if (!png.starts_with(kSignature)) return fail(ErrorCode::InvalidArgument, what + " is not a PNG image");
  std::string_view rest = png;
  ImagePtr image(cairo_image_surface_create_from_png_stream(read_png_chunk, &rest), CairoDeleter{});
  if (cairo_surface_status(image.get()) != CAIRO_STATUS_SUCCESS || cairo_image_surface_get_width(image.get()) <= 0 ||
      cairo_image_surface_get_height(image.get()) <= 0)
    return fail(ErrorCode::InvalidArgument, what + " is not a readable PNG image");
  return image;
}

Status check_utf8(const ReportDocument& doc) {
  std::vector<const std::string*> texts{&doc.title, &doc.report_id, &doc.page_pattern, &doc.clinic.name,
                                        &doc.key_images_title, &doc.signature.status_label,
                                        &doc.signature.signer_name, &doc.signature.credentials,
                                        &doc.signature.signed_at};
  for (const auto& line : doc.clinic.address_lines) texts.push_back(&line);
  for (const auto& pair : doc.patient_study) texts.insert(texts.end(), {&pair.label, &pair.value});
  for (const auto& section : doc.sections) {
    texts.insert(texts.end(), {&section.title, &section.body});
    for (const auto& cell : section.table.header) texts.push_back(&cell);
    for (const auto& row : section.table.rows)
      for (const auto& cell : row) texts.push_back(&cell);
  }
  for (const auto& image : doc.key_images) texts.push_back(&image.caption);
  for (const std::string* text : texts)
    if (!g_utf8_validate(text->data(), static_cast<gssize>(text->size()), nullptr))
      return fail(ErrorCode::InvalidArgument, "a text of the report is not valid UTF-8");
  return {};
}

// Paragraphs are separated by blank lines; whitespace-only paragraphs are dropped.
std::vector<std::string> paragraphs(std::string_view body) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= body.size()) {
    size_t blank = body.find("\n\n", start);
    std::string_view piece = body.substr(start, blank == std::string_view::npos ? std::string_view::npos : blank - start);
    size_t first = piece.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos) {
      size_t last = piece.find_last_not_of(" \t\r\n");
      out.emplace_back(piece.substr(first, last - first + 1));
    }
    if (blank == std::string_view::npos) break;
    start = blank + 2;
  }
  return out;
}

// Lays the report out into pages of drawing operations. The footer is left out: it
// needs the page count, which is known only when everything is placed.
class Composer {
 public:
  Composer(PangoContext* context, const ReportDocument& doc) : context_(context), doc_(doc) {}

  std::vector<std::vector<DrawOp>> take_pages() { return std::move(pages_); }

  LayoutPtr text(std::string_view content, const TextStyle& style, double width) {
    LayoutPtr layout(pango_layout_new(context_), GObjectDeleter{});
    std::unique_ptr<PangoFontDescription, FontDescriptionDeleter> font(pango_font_description_new());
    pango_font_description_set_family(font.get(), kFontFamily);
    pango_font_description_set_size(font.get(), static_cast<gint>(style.size * PANGO_SCALE));
    pango_font_description_set_weight(font.get(), style.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_layout_set_font_description(layout.get(), font.get());
    if (width > 0) {
      pango_layout_set_width(layout.get(), static_cast<int>(width * PANGO_SCALE));
      pango_layout_set_wrap(layout.get(), PANGO_WRAP_WORD_CHAR);
    }
    pango_layout_set_alignment(layout.get(), style.align);
    pango_layout_set_auto_dir(layout.get(), style.auto_dir);
    if (style.line_spacing > 0) pango_layout_set_line_spacing(layout.get(), static_cast<float>(style.line_spacing));
    pango_layout_set_text(layout.get(), content.data(), static_cast<int>(content.size()));
    // No discretionary Latin ligatures: a PDF maps an "fi" glyph to U+FB01, and copied or
    // searched text would not be the text given. (Arabic's required ligatures stay.)
    PangoAttrList* attributes = pango_attr_list_new();
    pango_attr_list_insert(attributes, pango_attr_font_features_new("liga=0,clig=0"));
    pango_layout_set_attributes(layout.get(), attributes);
    pango_attr_list_unref(attributes);
    return layout;
  }

  void draw(LayoutPtr layout, double x, double y, Colour colour) {
    ops().push_back([layout, x, y, colour](cairo_t* cr) {
      set_colour(cr, colour);
      cairo_move_to(cr, x, y);
      pango_cairo_show_layout(cr, layout.get());
    });
  }

  void rule(double x0, double x1, double y, double width, Colour colour) {
    ops().push_back([=](cairo_t* cr) {
      set_colour(cr, colour);
      cairo_set_line_width(cr, width);
      cairo_move_to(cr, x0, y);
      cairo_line_to(cr, x1, y);
      cairo_stroke(cr);
    });
  }

  void box(double x, double y, double w, double h, Colour fill, double radius = 0) {
    ops().push_back([=](cairo_t* cr) {
      set_colour(cr, fill);
      if (radius <= 0) {
        cairo_rectangle(cr, x, y, w, h);
      } else {
        cairo_new_sub_path(cr);
        cairo_arc(cr, x + w - radius, y + radius, radius, -G_PI / 2, 0);
        cairo_arc(cr, x + w - radius, y + h - radius, radius, 0, G_PI / 2);
        cairo_arc(cr, x + radius, y + h - radius, radius, G_PI / 2, G_PI);
        cairo_arc(cr, x + radius, y + radius, radius, G_PI, 3 * G_PI / 2);
        cairo_close_path(cr);
      }
      cairo_fill(cr);
    });
  }

  void image(ImagePtr picture, double x, double y, double w, double h, bool border) {
    ops().push_back([=](cairo_t* cr) {
      double scale_x = w / cairo_image_surface_get_width(picture.get());
      double scale_y = h / cairo_image_surface_get_height(picture.get());
      cairo_save(cr);
      cairo_translate(cr, x, y);
      cairo_scale(cr, scale_x, scale_y);
      cairo_set_source_surface(cr, picture.get(), 0, 0);
      cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
      cairo_paint(cr);
      cairo_restore(cr);
      if (border) {
        set_colour(cr, kRule);
        cairo_set_line_width(cr, 0.5);
        cairo_rectangle(cr, x, y, w, h);
        cairo_stroke(cr);
      }
    });
  }

  // The clinic's logo, name and address across the page, an accent rule, then the
  // document's title with its status (final, addendum...) on the right.
  void letterhead(const ImagePtr& logo) {
    new_page_without_header();
    double x = kMarginX, height = 0;
    if (logo) {
      constexpr double kLogoMaxWidth = 130, kLogoMaxHeight = 46;
      double w = cairo_image_surface_get_width(logo.get()), h = cairo_image_surface_get_height(logo.get());
      double scale = std::min(kLogoMaxWidth / w, kLogoMaxHeight / h);
      image(logo, kMarginX, y_, w * scale, h * scale, false);
      x += w * scale + 14;
      height = h * scale;
    }
    double clinic_width = kPageWidth - kMarginX - x;
    auto name = text(doc_.clinic.name, {.size = 13, .bold = true, .colour = kAccent}, clinic_width);
    draw(name, x, y_, kAccent);
    double clinic_height = layout_height(name.get());
    std::string address;
    for (const auto& line : doc_.clinic.address_lines) address += (address.empty() ? "" : "\n") + line;
    if (!address.empty()) {
      auto lines = text(address, {.size = 8, .colour = kMuted, .line_spacing = 1.15}, clinic_width);
      draw(lines, x, y_ + clinic_height + 2, kMuted);
      clinic_height += 2 + layout_height(lines.get());
    }
    y_ += std::max(height, clinic_height) + 10;
    rule(kMarginX, kPageWidth - kMarginX, y_, 1.4, kAccent);
    y_ += 10;

    constexpr double kStatusWidth = 150;
    auto title = text(doc_.title, {.size = 15, .bold = true}, kContentWidth - kStatusWidth - 10);
    draw(title, kMarginX, y_, kInk);
    double title_height = layout_height(title.get());
    if (!doc_.signature.status_label.empty()) {
      auto status = text(doc_.signature.status_label,
                         {.size = 9, .bold = true, .colour = kAccent, .align = PANGO_ALIGN_RIGHT}, kStatusWidth);
      // On the title's baseline, near enough: centred on its line.
      draw(status, kPageWidth - kMarginX - kStatusWidth, y_ + (title_height - layout_height(status.get())) / 2 + 1,
           kAccent);
    }
    y_ += title_height + 8;
  }

  // Label over value, in a shaded panel, three to a row.
  void patient_block() {
    if (doc_.patient_study.empty()) return;
    constexpr int kColumns = 3;
    constexpr double kPad = 10, kRowGap = 7, kColumnGap = 12;
    double cell_width = (kContentWidth - 2 * kPad - (kColumns - 1) * kColumnGap) / kColumns;
    struct Cell {
      LayoutPtr label, value;
    };
    std::vector<std::vector<Cell>> rows;
    for (size_t i = 0; i < doc_.patient_study.size(); ++i) {
      if (i % kColumns == 0) rows.emplace_back();
      const auto& pair = doc_.patient_study[i];
      rows.back().push_back({text(pair.label, {.size = 7.5, .colour = kMuted, .auto_dir = false}, cell_width),
                             text(pair.value, {.size = 9.5, .bold = true, .auto_dir = false}, cell_width)});
    }
    std::vector<double> heights;
    double total = 2 * kPad - kRowGap;
    for (const auto& row : rows) {
      double h = 0;
      for (const auto& cell : row) h = std::max(h, layout_height(cell.label.get()) + 1 + layout_height(cell.value.get()));
      heights.push_back(h);
      total += h + kRowGap;
    }
    ensure(total);
    box(kMarginX, y_, kContentWidth, total, kShade, 3);
    double y = y_ + kPad;
    for (size_t r = 0; r < rows.size(); ++r) {
      for (size_t c = 0; c < rows[r].size(); ++c) {
        double x = kMarginX + kPad + static_cast<double>(c) * (cell_width + kColumnGap);
        draw(rows[r][c].label, x, y, kMuted);
        draw(rows[r][c].value, x, y + layout_height(rows[r][c].label.get()) + 1, kInk);
      }
      y += heights[r] + kRowGap;
    }
    y_ += total + 6;
  }

  void section(const ReportSection& s) {
    auto title = section_title(s.title);
    std::vector<LayoutPtr> body;
    for (const auto& paragraph : paragraphs(s.body)) body.push_back(text(paragraph, kBody, kContentWidth));
    // Keep the title with the first two lines of what follows.
    double keep = title.second;
    if (!body.empty()) {
      auto lines = line_boxes(body.front().get());
      for (size_t i = 0; i < lines.size() && i < 2; ++i) keep += lines[i].advance;
    }
    ensure(keep);
    place_title(title);
    for (const auto& paragraph : body) {
      flow(paragraph);
      y_ += 6;
    }
    if (!s.table.header.empty()) table(s.table);
  }

  void key_images(const std::vector<ImagePtr>& pictures) {
    if (pictures.empty()) return;
    auto title = section_title(doc_.key_images_title);
    const size_t columns = pictures.size() >= 2 ? 2 : 1;
    constexpr double kGap = 14, kMaxHeight = 210;
    double cell_width = (kContentWidth - kGap * static_cast<double>(columns - 1)) / static_cast<double>(columns);
    for (size_t first = 0; first < pictures.size(); first += columns) {
      struct Placed {
        double w = 0, h = 0;
        LayoutPtr caption;
      };
      std::vector<Placed> row;
      double image_height = 0, caption_height = 0;
      for (size_t i = first; i < std::min(first + columns, pictures.size()); ++i) {
        double w = cairo_image_surface_get_width(pictures[i].get()), h = cairo_image_surface_get_height(pictures[i].get());
        double scale = std::min(cell_width / w, kMaxHeight / h);
        auto caption = text(doc_.key_images[i].caption, {.size = 8, .colour = kMuted, .align = PANGO_ALIGN_CENTER},
                            cell_width);
        row.push_back({w * scale, h * scale, caption});
        image_height = std::max(image_height, h * scale);
        caption_height = std::max(caption_height, layout_height(caption.get()));
      }
      double row_height = image_height + 4 + caption_height;
      ensure(row_height + (first == 0 ? title.second : 0));
      if (first == 0) place_title(title);
      for (size_t k = 0; k < row.size(); ++k) {
        double cell_x = kMarginX + static_cast<double>(k) * (cell_width + kGap);
        // Centred in its cell, bottoms aligned so that captions line up.
        image(pictures[first + k], cell_x + (cell_width - row[k].w) / 2, y_ + image_height - row[k].h, row[k].w,
              row[k].h, true);
        draw(row[k].caption, cell_x, y_ + image_height + 4, kMuted);
      }
      y_ += row_height + 10;
    }
  }

  void signature_block() {
    const SignatureBlock& s = doc_.signature;
    if (s.signer_name.empty()) return;
    constexpr double kPad = 10, kBar = 3;
    double inner = kContentWidth / 2 - 2 * kPad - kBar;
    auto name = text(s.signer_name, {.size = 11, .bold = true, .auto_dir = false}, inner);
    std::string details = s.credentials;
    if (!s.signed_at.empty()) details += (details.empty() ? "" : "\n") + s.signed_at;
    auto detail = text(details, {.size = 8.5, .colour = kMuted, .line_spacing = 1.2, .auto_dir = false}, inner);
    LayoutPtr badge;
    double badge_height = 0;
    if (!s.status_label.empty()) {
      badge = text(s.status_label, {.size = 7.5, .bold = true, .colour = kWhite}, 0);
      badge_height = layout_height(badge.get()) + 4;
    }
    double height = 2 * kPad + (badge ? badge_height + 5 : 0) + layout_height(name.get()) +
                    (details.empty() ? 0 : 2 + layout_height(detail.get()));
    y_ += 8;
    ensure(height);
    double x = kMarginX + kBar + kPad;
    box(kMarginX, y_, kContentWidth / 2, height, kShade, 2);
    box(kMarginX, y_, kBar, height, kAccent);
    double y = y_ + kPad;
    if (badge) {
      box(x, y, layout_width(badge.get()) + 10, badge_height, kAccent, 2);
      draw(badge, x + 5, y + 2, kWhite);
      y += badge_height + 5;
    }
    draw(name, x, y, kInk);
    y += layout_height(name.get()) + 2;
    if (!details.empty()) draw(detail, x, y, kMuted);
    y_ += height;
  }

  void new_page() {
    new_page_without_header();
    // Continuation pages: a quiet running head instead of the letterhead.
    auto clinic = text(doc_.clinic.name, {.size = 8, .bold = true, .colour = kMuted}, kContentWidth * 0.6);
    auto title = text(doc_.title, {.size = 8, .colour = kMuted, .align = PANGO_ALIGN_RIGHT}, kContentWidth * 0.4);
    draw(clinic, kMarginX, y_, kMuted);
    draw(title, kMarginX + kContentWidth * 0.6, y_, kMuted);
    y_ += std::max(layout_height(clinic.get()), layout_height(title.get())) + 5;
    rule(kMarginX, kPageWidth - kMarginX, y_, 0.6, kRule);
    y_ += 14;
  }

 private:
  std::vector<DrawOp>& ops() { return pages_.back(); }

  void new_page_without_header() {
    pages_.emplace_back();
    y_ = kMarginTop;
  }

  void ensure(double height) {
    if (y_ + height > kContentBottom) new_page();
  }

  std::pair<LayoutPtr, double> section_title(const std::string& title) {
    if (title.empty()) return {nullptr, 4};
    auto layout = text(title, {.size = 10.5, .bold = true, .colour = kAccent}, kContentWidth);
    return {layout, 10 + layout_height(layout.get()) + 3 + 6};
  }

  void place_title(const std::pair<LayoutPtr, double>& title) {
    if (!title.first) {
      y_ += title.second;
      return;
    }
    y_ += 10;
    draw(title.first, kMarginX, y_, kAccent);
    y_ += layout_height(title.first.get()) + 3;
    rule(kMarginX, kPageWidth - kMarginX, y_, 0.6, kRule);
    y_ += 6;
  }

  // A paragraph placed line by line, so that it can continue on the next page.
  void flow(const LayoutPtr& layout) {
    for (const LineBox& line : line_boxes(layout.get())) {
      ensure(line.advance);
      double x = kMarginX + line.x, baseline = y_ + (line.baseline - line.top);
      ops().push_back([layout, index = line.index, x, baseline](cairo_t* cr) {
        set_colour(cr, kInk);
        cairo_move_to(cr, x, baseline);
        pango_cairo_show_layout_line(cr, pango_layout_get_line_readonly(layout.get(), index));
      });
      y_ += line.advance;
    }
  }

  // Each column gets its natural width up to a fair share; the room left goes to the
  // columns that want more, in proportion to how much more.
  std::vector<double> column_widths(const FindingsTable& t, double padding) {
    size_t columns = t.header.size();
    std::vector<double> natural(columns, 0);
    auto measure = [&](const std::string& cell, size_t column, bool bold) {
      auto layout = text(cell, {.size = bold ? 8.5 : 9, .bold = bold}, 0);
      natural[column] = std::max(natural[column], layout_width(layout.get()) + 2 * padding);
    };
    for (size_t c = 0; c < columns; ++c) measure(t.header[c], c, true);
    for (const auto& row : t.rows)
      for (size_t c = 0; c < columns && c < row.size(); ++c) measure(row[c], c, false);
    double share = kContentWidth / static_cast<double>(columns), given = 0, wanting = 0;
    std::vector<double> widths(columns);
    for (size_t c = 0; c < columns; ++c) {
      widths[c] = std::min(natural[c], share);
      given += widths[c];
      wanting += natural[c] - widths[c];
    }
    double room = kContentWidth - given;
    for (size_t c = 0; c < columns; ++c) {
      double want = natural[c] - widths[c];
      // Nobody wants more: widen every column alike so the table spans the text width.
      widths[c] += wanting > 0 ? room * std::min(1.0, want / wanting) : room / static_cast<double>(columns);
    }
    double total = 0;
    for (double w : widths) total += w;
    for (double& w : widths) w *= kContentWidth / total;
    return widths;
  }

  void table(const FindingsTable& t) {
    constexpr double kPadX = 5, kPadY = 3.5;
    std::vector<double> widths = column_widths(t, kPadX);
    auto make_row = [&](const std::vector<std::string>& cells, bool header) {
      std::vector<LayoutPtr> row;
      for (size_t c = 0; c < widths.size(); ++c)
        row.push_back(text(c < cells.size() ? cells[c] : std::string(), {.size = header ? 8.5 : 9, .bold = header},
                           widths[c] - 2 * kPadX));
      return row;
    };
    auto row_height = [&](const std::vector<LayoutPtr>& row) {
      double h = 0;
      for (const auto& cell : row) h = std::max(h, layout_height(cell.get()));
      return h + 2 * kPadY;
    };
    auto header = make_row(t.header, true);
    double header_height = row_height(header);
    auto place_row = [&](const std::vector<LayoutPtr>& row, double height, bool is_header) {
      if (is_header) box(kMarginX, y_, kContentWidth, height, kShade);
      double x = kMarginX;
      for (size_t c = 0; c < row.size(); ++c) {
        draw(row[c], x + kPadX, y_ + kPadY, kInk);
        x += widths[c];
      }
      // The light grid: verticals between columns, a line under the row, the outer box.
      double top = y_, bottom = y_ + height;
      ops().push_back([top, bottom, widths, is_header](cairo_t* cr) {
        set_colour(cr, kRule);
        cairo_set_line_width(cr, 0.5);
        double gx = kMarginX;
        for (size_t c = 0; c + 1 < widths.size(); ++c) {
          gx += widths[c];
          cairo_move_to(cr, gx, top);
          cairo_line_to(cr, gx, bottom);
        }
        cairo_rectangle(cr, kMarginX, top, kContentWidth, bottom - top);
        cairo_stroke(cr);
        if (is_header) {
          set_colour(cr, kMuted);
          cairo_set_line_width(cr, 0.8);
          cairo_move_to(cr, kMarginX, bottom);
          cairo_line_to(cr, kMarginX + kContentWidth, bottom);
          cairo_stroke(cr);
        }
      });
      y_ += height;
    };
    y_ += 4;
    bool header_placed = false;
    for (const auto& cells : t.rows) {
      auto row = make_row(cells, false);
      double height = row_height(row);
      if (!header_placed || y_ + height > kContentBottom) {
        // A row never breaks; the header comes with the first row on each page.
        if (y_ + header_height + height > kContentBottom) new_page();
        place_row(header, header_height, true);
        header_placed = true;
      }
      place_row(row, height, false);
    }
    if (!header_placed) {
      ensure(header_height);
      place_row(header, header_height, true);
    }
    y_ += 8;
  }

  PangoContext* context_;
  const ReportDocument& doc_;
  std::vector<std::vector<DrawOp>> pages_;
  double y_ = kMarginTop;
};

void draw_footer(cairo_t* cr, Composer& composer, const ReportDocument& doc, int page, int pages) {
  set_colour(cr, kRule);
  cairo_set_line_width(cr, 0.6);
  cairo_move_to(cr, kMarginX, kFooterTop);
  cairo_line_to(cr, kPageWidth - kMarginX, kFooterTop);
  cairo_stroke(cr);
  auto id = composer.text(doc.report_id, {.size = 7.5, .colour = kMuted, .auto_dir = false}, kContentWidth * 0.6);
  auto counter = composer.text(page_label(doc.page_pattern, page, pages),
                               {.size = 7.5, .colour = kMuted, .align = PANGO_ALIGN_RIGHT}, kContentWidth * 0.4);
  set_colour(cr, kMuted);
  cairo_move_to(cr, kMarginX, kFooterTop + 5);
  pango_cairo_show_layout(cr, id.get());
  cairo_move_to(cr, kMarginX + kContentWidth * 0.6, kFooterTop + 5);
  pango_cairo_show_layout(cr, counter.get());
}

cairo_status_t append_to_string(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

}  // namespace

Result<std::string> render_report(const ReportDocument& doc) {
  if (auto valid = check_utf8(doc); !valid) return std::unexpected(valid.error());
  ImagePtr logo;
  if (!doc.clinic.logo_png.empty()) {
    auto decoded = decode_png(doc.clinic.logo_png, "the clinic's logo");
    if (!decoded) return std::unexpected(decoded.error());
    logo = *decoded;
  }
  std::vector<ImagePtr> pictures;
  for (size_t i = 0; i < doc.key_images.size(); ++i) {
    auto decoded = decode_png(doc.key_images[i].png, "key image " + std::to_string(i + 1));
    if (!decoded) return std::unexpected(decoded.error());
    pictures.push_back(*decoded);
  }

  std::string pdf;
  std::unique_ptr<cairo_surface_t, CairoDeleter> surface(
      cairo_pdf_surface_create_for_stream(append_to_string, &pdf, kPageWidth, kPageHeight));
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS)
    return fail(ErrorCode::OutOfResources, "cannot start a PDF");
  // PDF 1.4: a classic cross-reference table, which sign_pades updates, with every cairo
  // (1.17.6 and later write cross-reference streams for 1.5). 1.5 would let cairo 1.16 add
  // /ActualText for a glyph that stands for several characters, but poppler reverses that
  // text inside right-to-left runs; with 1.4 the Arabic lam-alef ligature reads as its
  // presentation form (U+FEF7), which NFKC search folds to the letters typed.
  cairo_pdf_surface_restrict_to_version(surface.get(), CAIRO_PDF_VERSION_1_4);
  std::string title = doc.title + (doc.report_id.empty() ? "" : " " + doc.report_id);
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE, title.c_str());
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATOR, "Vireo");
  std::unique_ptr<cairo_t, CairoDeleter> cr(cairo_create(surface.get()));

  // Layout in points, unhinted: what is measured is what the PDF shows.
  std::unique_ptr<PangoContext, GObjectDeleter> context(pango_cairo_create_context(cr.get()));
  pango_cairo_context_set_resolution(context.get(), 72);
  std::unique_ptr<cairo_font_options_t, CairoDeleter> options(cairo_font_options_create());
  cairo_font_options_set_hint_metrics(options.get(), CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style(options.get(), CAIRO_HINT_STYLE_NONE);
  pango_cairo_context_set_font_options(context.get(), options.get());
  pango_context_set_language(context.get(), pango_language_from_string(doc.language.c_str()));

  // First pass: place everything and count the pages; second: draw, footers included.
  Composer composer(context.get(), doc);
  composer.letterhead(logo);
  composer.patient_block();
  for (const auto& section : doc.sections) composer.section(section);
  composer.key_images(pictures);
  composer.signature_block();
  auto pages = composer.take_pages();
  const int page_count = static_cast<int>(pages.size());
  for (int i = 0; i < page_count; ++i) {
    for (const auto& op : pages[static_cast<size_t>(i)]) op(cr.get());
    draw_footer(cr.get(), composer, doc, i + 1, page_count);
    cairo_show_page(cr.get());
  }
  cairo_status_t drawn = cairo_status(cr.get());
  cr.reset();
  cairo_surface_finish(surface.get());
  if (drawn != CAIRO_STATUS_SUCCESS || cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS)
    return fail(ErrorCode::Internal, std::string("cannot draw the report: ") +
                                         cairo_status_to_string(drawn != CAIRO_STATUS_SUCCESS
                                                                    ? drawn
                                                                    : cairo_surface_status(surface.get())));
  return pdf;
}

}  // namespace vireo::pdf
