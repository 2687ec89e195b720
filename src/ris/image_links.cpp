#include "ris/image_links.hpp"

#include <algorithm>
#include <optional>

#include "core/clock.hpp"
#include "ris/appointment_rows.hpp"
#include "ris/exam_steps.hpp"
#include "ris/schema.hpp"
#include "ris/worklist.hpp"

namespace vireo::ris {

namespace {

std::string dicom_date(const std::string& iso_day) {  // "1961-07-09" -> "19610709"
  std::string d;
  for (char c : iso_day)
    if (c != '-') d += c;
  return d;
}

struct OrderRow {
  int64_t id = 0, patient_id = 0;
  std::string status, study_uid, accession;
};

Result<std::optional<OrderRow>> order_named(Connection& c, const ArrivedStudy& s) {
  for (const auto& [column, value] : {std::pair{"accession_number", s.accession}, {"study_uid", s.study_uid}}) {
    if (value.empty()) continue;
    auto rows = c.query(std::string("SELECT id, patient_id, status, study_uid, accession_number FROM ris_orders "
                                    "WHERE ") +
                            column + " = ? ORDER BY id DESC LIMIT 1",
                        {value});
    if (!rows) return std::unexpected(rows.error());
    if (!rows->empty()) {
      const Row& r = (*rows)[0];
      return std::optional<OrderRow>(OrderRow{r.integer(0), r.integer(1), r.text(2), r.text(3), r.text(4)});
    }
  }
  return std::optional<OrderRow>();
}

// Whether the study names the order's patient: ID, issuer when it says one, birth date when
// both say one.
Result<bool> same_patient(Connection& c, int64_t patient_id, const ArrivedStudy& s) {
  auto rows = c.query("SELECT mrn, mrn_issuer, birth_date FROM ris_patients WHERE id = ?", {patient_id});
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return false;
  const Row& p = (*rows)[0];
  if (s.patient_id != p.text(0)) return false;
  if (!s.issuer.empty() && s.issuer != p.text(1)) return false;
  if (!s.birth_date.empty() && !p.text(2).empty() && s.birth_date != dicom_date(p.text(2))) return false;
  return true;
}

Status keep_unmatched(Connection& c, const events::Outbox& outbox, const ArrivedStudy& s, const char* reason,
                      int64_t order_id) {
  auto known = c.query("SELECT 1 FROM ris_unmatched_studies WHERE study_uid = ?", {s.study_uid});
  if (!known) return std::unexpected(known.error());
  if (!known->empty()) return {};
  if (auto e = c.execute("INSERT INTO ris_unmatched_studies (study_uid, patient_id, issuer, accession, "
                         "patient_name, birth_date, modalities, study_date, reason, order_id, created_at) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         {s.study_uid, s.patient_id, s.issuer, s.accession, s.patient_name, s.birth_date,
                          s.modalities, s.study_date, std::string(reason), order_id, utc_now_iso()});
      !e)
    return e;
  return outbox.enqueue(c, {kStudyUnmatched, {{"study", s.study_uid}, {"reason", reason}}});
}

}  // namespace

Result<std::unique_ptr<ImageLinks>> ImageLinks::open(Database& db, WriteQueue& writes, const events::Outbox& outbox,
                                                     const MigrationProgress& progress) {
  if (auto s = migrate(db, "ris", migrations(), progress); !s) return std::unexpected(s.error());
  return std::unique_ptr<ImageLinks>(new ImageLinks(db, writes, outbox));
}

Result<LinkOutcome> ImageLinks::study_arrived(const ArrivedStudy& s, const std::string& actor) {
  return writes_.run<LinkOutcome>([&](Connection& c) -> Result<LinkOutcome> {
    LinkOutcome out;
    auto order = order_named(c, s);
    if (!order) return std::unexpected(order.error());
    if (!*order) {
      out.reason = "no_order";
      if (auto e = keep_unmatched(c, outbox_, s, "no_order", 0); !e) return std::unexpected(e.error());
      return out;
    }
    const OrderRow& o = **order;
    out.order_id = o.id;
    auto same = same_patient(c, o.patient_id, s);
    if (!same) return std::unexpected(same.error());
    if (!*same) {
      out.reason = "patient_mismatch";
      if (auto e = keep_unmatched(c, outbox_, s, "patient_mismatch", o.id); !e) return std::unexpected(e.error());
      return out;
    }
    const bool open = o.status == "requested" || o.status == "scheduled" || o.status == "arrived" ||
                      o.status == "in_progress" || o.status == "no_show";
    if (open && o.study_uid != s.study_uid)
      if (auto e = c.execute("UPDATE ris_orders SET study_uid = ? WHERE id = ?", {s.study_uid, o.id}); !e)
        return std::unexpected(e.error());
    // The exam its images close out: the order's current booking.
    auto booked = rows::views_where(
        c, "WHERE a.order_id = ? AND a.status IN ('booked', 'arrived') ORDER BY a.id DESC", {o.id});
    if (!booked) return std::unexpected(booked.error());
    if (!booked->empty() && (o.status == "scheduled" || o.status == "arrived" || o.status == "in_progress")) {
      AppointmentView v = booked->front();
      if (v.appointment.status == "booked") {
        auto arrived = mark_arrived(c, outbox_, v, actor);
        if (!arrived) return std::unexpected(arrived.error());
        v = std::move(*arrived);
      }
      if (auto e = advance_exam(c, outbox_, v, "acquired", kExamAcquired, actor); !e)
        return std::unexpected(e.error());
    }
    if (auto e = c.execute("DELETE FROM ris_unmatched_studies WHERE study_uid = ?", {s.study_uid}); !e)
      return std::unexpected(e.error());
    if (auto e = outbox_.enqueue(c, {kImagesLinked,
                                     {{"order", std::to_string(o.id)}, {"accession", o.accession}, {"study", s.study_uid}}});
        !e)
      return std::unexpected(e.error());
    return out;
  });
}

Result<std::vector<UnmatchedStudy>> ImageLinks::unmatched(int64_t limit) {
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  auto rows = (*c)->query(
      "SELECT u.id, u.study_uid, u.patient_id, u.issuer, u.accession, u.patient_name, u.birth_date, "
      "u.modalities, u.study_date, u.reason, u.order_id, u.created_at FROM ris_unmatched_studies u WHERE "
      "NOT EXISTS (SELECT 1 FROM ris_orders o WHERE o.study_uid = u.study_uid) ORDER BY u.id DESC LIMIT ?",
      {std::clamp<int64_t>(limit, 1, 1000)});
  if (!rows) return std::unexpected(rows.error());
  std::vector<UnmatchedStudy> out;
  for (const auto& r : *rows)
    out.push_back({r.integer(0),
                   {r.text(1), r.text(2), r.text(3), r.text(4), r.text(5), r.text(6), r.text(7), r.text(8)},
                   r.text(9),
                   r.integer(10),
                   r.text(11)});
  return out;
}

}  // namespace vireo::ris
