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
  auto known = c.query("SELECT reason, order_id, reconciled_to FROM ris_unmatched_studies WHERE study_uid = ?",
                       {s.study_uid});
  if (!known) return std::unexpected(known.error());
  if (!known->empty()) {
    // Listed already: it says why anew when that changed (an order made since names another
    // patient), unless staff have decided for it.
    const Row& r = (*known)[0];
    if ((r.text(0) == reason && r.integer(1) == order_id) || r.integer(2) != 0) return {};
    if (auto e = c.execute("UPDATE ris_unmatched_studies SET reason = ?, order_id = ? WHERE study_uid = ?",
                           {std::string(reason), order_id, s.study_uid});
        !e)
      return e;
    return outbox.enqueue(c, {kStudyUnmatched, {{"study", s.study_uid}, {"reason", reason}}});
  }
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
    if (auto e = c.execute("UPDATE ris_orders SET images_at = ? WHERE id = ? AND images_at = ''", {utc_now_iso(), o.id});
        !e)
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

Result<std::vector<std::string>> ImageLinks::waiting_for(int64_t order_id) {
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  auto rows = (*c)->query(
      "SELECT u.study_uid FROM ris_unmatched_studies u JOIN ris_orders o ON o.id = ? WHERE u.reason = 'no_order' "
      "AND u.reconciled_to = 0 AND ((u.accession <> '' AND u.accession = o.accession_number) OR u.study_uid = "
      "o.study_uid) ORDER BY u.id",
      {order_id});
  if (!rows) return std::unexpected(rows.error());
  std::vector<std::string> out;
  for (const auto& r : *rows) out.push_back(r.text(0));
  return out;
}

Result<std::vector<UnmatchedStudy>> ImageLinks::unmatched(int64_t limit) {
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  auto rows = (*c)->query(
      "SELECT u.id, u.study_uid, u.patient_id, u.issuer, u.accession, u.patient_name, u.birth_date, "
      "u.modalities, u.study_date, u.reason, u.order_id, u.created_at, u.reconciled_to FROM ris_unmatched_studies u WHERE "
      "(u.reason <> 'no_order' OR NOT EXISTS (SELECT 1 FROM ris_orders o WHERE o.study_uid = u.study_uid)) "
      "ORDER BY u.id DESC LIMIT ?",
      {std::clamp<int64_t>(limit, 1, 1000)});
  if (!rows) return std::unexpected(rows.error());
  std::vector<UnmatchedStudy> out;
  for (const auto& r : *rows)
    out.push_back({r.integer(0),
                   {r.text(1), r.text(2), r.text(3), r.text(4), r.text(5), r.text(6), r.text(7), r.text(8)},
                   r.text(9),
                   r.integer(10),
                   r.text(11),
                   r.integer(12)});
  return out;
}

namespace {

Result<std::optional<Reconciliation>> decision(Connection& c, const std::string& where, SqlValue key) {
  auto rows = c.query(
      "SELECT u.id, u.study_uid, u.patient_id, u.issuer, u.accession, u.patient_name, u.birth_date, u.modalities, "
      "u.study_date, u.reconciled_to, u.reconciled_by FROM ris_unmatched_studies u " + where,
      {key});
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::optional<Reconciliation>();
  const Row& r = (*rows)[0];
  Reconciliation out;
  out.unmatched_id = r.integer(0);
  out.study = {r.text(1), r.text(2), r.text(3), r.text(4), r.text(5), r.text(6), r.text(7), r.text(8)};
  out.order_id = r.integer(9);
  out.decided_by = r.text(10);
  if (out.order_id == 0) return std::optional<Reconciliation>(std::move(out));
  auto o = c.query(
      "SELECT o.accession_number, p.family_name, p.given_name, p.middle_name, p.name_prefix, p.name_suffix, "
      "p.mrn, p.mrn_issuer, p.birth_date, p.sex FROM ris_orders o JOIN ris_patients p ON p.id = o.patient_id "
      "WHERE o.id = ?",
      {out.order_id});
  if (!o) return std::unexpected(o.error());
  if (o->empty()) return std::optional<Reconciliation>(std::move(out));
  const Row& p = (*o)[0];
  out.accession = p.text(0);
  out.name = {p.text(1), p.text(2), p.text(3), p.text(4), p.text(5)};
  out.mrn = p.text(6);
  out.issuer = p.text(7);
  out.birth_date = p.text(8);
  out.sex = p.text(9);
  return std::optional<Reconciliation>(std::move(out));
}

}  // namespace

Result<Reconciliation> ImageLinks::reconcile(int64_t unmatched_id, int64_t order_id, const std::string& actor) {
  return writes_.run<Reconciliation>([&](Connection& c) -> Result<Reconciliation> {
    auto found = decision(c, "WHERE u.id = ?", unmatched_id);
    if (!found) return std::unexpected(found.error());
    if (!*found) return fail(ErrorCode::NotFound, "no such study to reconcile");
    Reconciliation out = std::move(**found);
    auto order = c.query("SELECT status FROM ris_orders WHERE id = ?", {order_id});
    if (!order) return std::unexpected(order.error());
    if (order->empty()) {
      out.invalid.push_back({"orderId", "unknown", "There is no such order"});
      return out;
    }
    if ((*order)[0].text(0) == "cancelled") {
      out.invalid.push_back({"orderId", "order_state", "The order is cancelled: its images cannot be linked to it"});
      return out;
    }
    if (auto e = c.execute("UPDATE ris_unmatched_studies SET reconciled_to = ?, reconciled_by = ?, reconciled_at = ? "
                           "WHERE id = ?",
                           {order_id, actor, utc_now_iso(), unmatched_id});
        !e)
      return std::unexpected(e.error());
    auto decided = decision(c, "WHERE u.id = ?", unmatched_id);
    if (!decided) return std::unexpected(decided.error());
    if (auto e = outbox_.enqueue(c, {kStudyReconciled,
                                     {{"study", out.study.study_uid},
                                      {"order", std::to_string(order_id)},
                                      {"unmatched", std::to_string(unmatched_id)}}});
        !e)
      return std::unexpected(e.error());
    return std::move(**decided);
  });
}

Result<std::optional<Reconciliation>> ImageLinks::reconciliation_of(const std::string& study_uid) {
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  return decision(**c, "WHERE u.study_uid = ? AND u.reconciled_to <> 0", study_uid);
}

}  // namespace vireo::ris
