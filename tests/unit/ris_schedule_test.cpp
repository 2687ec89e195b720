// The appointment book on a real database (SQLite here, PostgreSQL under unit.postgresql):
// booking, the conflicts and refusals (which change nothing), a race of 50 for one slot,
// moves, cancellation, check-in and no-show with the order's lifecycle, limits and staff.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <tuple>

#include "events/live_feed.hpp"
#include "events/outbox.hpp"
#include "manual_clock.hpp"
#include "ris/catalogue_store.hpp"
#include "ris/orders.hpp"
#include "ris/patients.hpp"
#include "ris/procedure_steps.hpp"
#include "ris/schedule.hpp"
#include "ris/worklist.hpp"
#include "ris/workitems.hpp"
#include "ris_test_support.hpp"
#include "test_database.hpp"
#include "test_dir.hpp"

namespace vireo::ris {
namespace {

namespace fs = std::filesystem;
using testing_support::rules_of;
using testing_support::signed_in;

Instant at(const char* iso) { return *parse_instant(iso); }

class ScheduleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::fresh_test_dir("vireo-schedule");
    db_ = testing::test_database(dir_);
    writes_ = testing::started_writes(*db_);
    auto outbox = events::Outbox::open(*db_);
    ASSERT_TRUE(outbox) << outbox.error().message();
    outbox_ = std::move(*outbox);
    for (const char* topic : {kOrderCreated, kOrderCancelled, kAppointmentBooked, kAppointmentMoved,
                              kAppointmentCancelled, kPatientArrived, kPatientNoShow, kExamStarted,
                              kExamAcquired, kReaderAssigned, kRequestCreated, kRequestConfirmed,
                              kRequestDeclined, kRequestReopened})
      outbox_->route(topic, "test-consumer");
    patients_ = std::move(*Patients::open(*db_, *writes_, {"P{seq:4}", "CLINIC"}));
    catalogue_ = std::move(*Catalogue::open(*db_, *writes_));
    orders_ = std::move(*Orders::open(*db_, *writes_, *outbox_, {"A{seq:6}"}));
    // Monday 2027-03-01, 08:00 in Madrid.
    clock_.now = at("2027-03-01T07:00:00Z").time_since_epoch().count();
    auto schedule =
        Schedule::open(*db_, *writes_, *outbox_, *TimeZone::named("Europe/Madrid"), clock_);
    ASSERT_TRUE(schedule) << schedule.error().message();
    schedule_ = std::move(*schedule);

    RoomFields ct;
    ct.name = "CT 1";
    ct.modality = "CT";
    ct.buffer_minutes = 5;
    for (int d = 1; d <= 5; ++d) ct.hours.push_back({d, "08:00", "14:00"});
    ct_room_ = catalogue_->create_room(ct, "admin")->value.id;
    for (const char* name : {"US 1", "US 2"}) {
      RoomFields us = ct;
      us.name = name;
      us.modality = "US";
      us.buffer_minutes = 0;
      us_rooms_.push_back(catalogue_->create_room(us, "admin")->value.id);
    }
    chest_ = procedure("CT-THX", "CT", 15, false, 0);
    abdomen_ = procedure("CT-ABD", "CT", 20, false, 0);
    sedated_ = procedure("CT-SED", "CT", 30, false, 1);
    biopsy_ = procedure("US-BX", "US", 45, true, 0);
    patient_ = patient("García");
  }
  void TearDown() override {
    schedule_.reset();
    orders_.reset();
    catalogue_.reset();
    patients_.reset();
    outbox_.reset();
    writes_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }
  int64_t procedure(const char* code, const char* modality, int minutes, bool radiologist,
                    int limit, bool contrast_technician = false) {
    ProcedureFields p;
    p.code = code;
    p.name = code;
    p.modality = modality;
    p.duration_minutes = minutes;
    p.needs_radiologist = radiologist;
    p.needs_contrast_technician = contrast_technician;
    p.daily_limit = limit;
    auto made = catalogue_->create_procedure(p, "admin");
    EXPECT_TRUE(made && made->saved());
    return made->value.id;
  }
  int64_t patient(const std::string& family) {
    PatientFields f;
    f.name.family = family;
    f.name.given = "Ana";
    f.birth_date = "1975-03-14";
    f.sex = "F";
    return patients_->create(f, "rosa", true)->patient.id;
  }
  int64_t order(std::vector<int64_t> procedures, int64_t who = 0) {
    OrderFields f;
    f.patient_id = who ? who : patient_;
    f.procedure_ids = std::move(procedures);
    f.reason = "Staging";
    f.referring_physician = "Dr. Serra";
    auto made = orders_->create(f, "rosa");
    EXPECT_TRUE(made && made->saved());
    return made->value.id;
  }
  std::string order_status(int64_t id) { return (*orders_->get(id))->status; }
  // What a refusal must leave as it was.
  std::string snapshot() {
    return testing_support::rows_text(
        *db_, {"SELECT id, room_id, starts_at, status, version FROM ris_appointments ORDER BY id",
               "SELECT id, status, version FROM ris_orders ORDER BY id",
               "SELECT id, status, version FROM ris_appointment_requests ORDER BY id",
               "SELECT topic, ids FROM outbox ORDER BY id"});
  }
  std::vector<std::string> topics() {
    auto c = db_->connect();
    std::vector<std::string> out;
    auto rows = (*c)->query("SELECT topic FROM outbox ORDER BY id", {});
    for (const auto& r : *rows) out.push_back(r.text(0));
    return out;
  }

  testing::ManualClock clock_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<WriteQueue> writes_;
  std::unique_ptr<events::Outbox> outbox_;
  std::unique_ptr<Patients> patients_;
  std::unique_ptr<Catalogue> catalogue_;
  std::unique_ptr<Orders> orders_;
  std::unique_ptr<Schedule> schedule_;
  int64_t ct_room_ = 0, chest_ = 0, abdomen_ = 0, sedated_ = 0, biopsy_ = 0, patient_ = 0;
  std::vector<int64_t> us_rooms_;

 private:
  fs::path dir_;
};

TEST_F(ScheduleTest, AnOrdersProceduresAreBookedTogetherInTheFirstFreeSlot) {
  const int64_t o = order({chest_, abdomen_});
  auto slots = schedule_->free_slots({o, "2027-03-01", 2, 0});
  ASSERT_TRUE(slots && slots->saved());
  EXPECT_EQ(slots->value.duration, minutes(35));
  EXPECT_EQ(slots->value.modality, "CT");
  // Today from now (08:00) to 13:25 (the last 35 minutes before 14:00), tomorrow the same.
  ASSERT_EQ(slots->value.windows.size(), 2u);
  EXPECT_EQ(schedule_->zone().local_iso(slots->value.windows[0].first),
            "2027-03-01T08:00:00+01:00");
  EXPECT_EQ(schedule_->zone().local_iso(slots->value.windows[0].last), "2027-03-01T13:25:00+01:00");

  auto booked = schedule_->book(o, ct_room_, at("2027-03-01T08:00:00Z"), "rosa");
  ASSERT_TRUE(booked && booked->saved());
  const Appointment& a = booked->value;
  EXPECT_EQ(a.starts_at, "2027-03-01T08:00:00Z");
  EXPECT_EQ(a.ends_at, "2027-03-01T08:35:00Z");
  EXPECT_EQ(a.status, "booked");
  EXPECT_EQ(a.created_by, "rosa");
  EXPECT_EQ(order_status(o), "scheduled");
  EXPECT_EQ(topics().back(), kAppointmentBooked);
  // The room is taken until 09:40 local (the end and its buffer) for everyone else, whose own
  // exam and buffer must end before 09:00.
  auto after = schedule_->free_slots({order({chest_}, patient("Puig")), "2027-03-01", 1, 0});
  ASSERT_EQ(after->value.windows.size(), 2u);
  EXPECT_EQ(instant_text(after->value.windows[0].last), "2027-03-01T07:40:00Z");
  EXPECT_EQ(instant_text(after->value.windows[1].first), "2027-03-01T08:40:00Z");

  auto view = schedule_->get(a.id);
  ASSERT_TRUE(view && *view);
  EXPECT_EQ((*view)->patient_name, "García, Ana");
  EXPECT_EQ((*view)->procedure_ids, (std::vector<int64_t>{chest_, abdomen_}));
  EXPECT_EQ((*view)->order_status, "scheduled");
}

TEST_F(ScheduleTest, ASlotTakenIsAConflictNamingTheBookingInTheWay) {
  auto first = schedule_->book(order({chest_}), ct_room_, at("2027-03-01T09:00:00Z"), "rosa");
  ASSERT_TRUE(first && first->saved());
  const int64_t other = order({chest_}, patient("Puig"));
  const int64_t same_patient = order({biopsy_});
  const std::string before = snapshot();
  auto second = schedule_->book(other, ct_room_, at("2027-03-01T09:10:00Z"), "rosa");
  ASSERT_TRUE(second);
  ASSERT_TRUE(second->conflict);
  EXPECT_EQ(second->conflict->rule, "slot_taken");
  EXPECT_EQ(second->conflict->appointment_id, first->value.id);
  // The first one's patient cannot be in another room at that time either.
  auto twice = schedule_->book(same_patient, us_rooms_[0], at("2027-03-01T09:00:00Z"), "rosa");
  ASSERT_TRUE(twice && twice->conflict);
  EXPECT_EQ(twice->conflict->rule, "patient_busy");
  EXPECT_EQ(twice->conflict->appointment_id, first->value.id);
  EXPECT_EQ(snapshot(), before);
}

TEST_F(ScheduleTest, RefusedBookingsChangeNothing) {
  const int64_t o = order({chest_});
  const int64_t us = order({biopsy_});
  const std::string before = snapshot();
  auto field = [&](int64_t order_id, int64_t room, const char* when) {
    auto r = schedule_->book(order_id, room, at(when), "rosa");
    EXPECT_TRUE(r) << when;
    EXPECT_FALSE(r->conflict) << when;
    return r->invalid.empty() ? std::string() : r->invalid[0].field + ":" + r->invalid[0].rule;
  };
  EXPECT_EQ(field(o, ct_room_, "2027-03-01T06:55:00Z"), "startsAt:past");
  EXPECT_EQ(field(o, ct_room_, "2027-03-01T13:00:00Z"), "startsAt:outside_hours");  // 14:00 local
  EXPECT_EQ(field(o, ct_room_, "2027-03-06T09:00:00Z"), "startsAt:outside_hours");  // Saturday
  EXPECT_EQ(field(o, us_rooms_[0], "2027-03-01T09:00:00Z"), "roomId:modality");
  EXPECT_EQ(field(o, 999, "2027-03-01T09:00:00Z"), "roomId:unknown");
  auto nobody = schedule_->book(us, us_rooms_[0], at("2027-03-01T11:00:00Z"), "rosa");
  ASSERT_TRUE(nobody && nobody->conflict);
  EXPECT_EQ(nobody->conflict->rule, "radiologist_busy");
  ClosureFields holiday{ct_room_, "2027-03-02", "2027-03-02", "Maintenance"};
  ASSERT_TRUE(catalogue_->add_closure(holiday, "admin")->saved());
  EXPECT_EQ(field(o, ct_room_, "2027-03-02T09:00:00Z"), "startsAt:closed");
  auto unknown = schedule_->book(4242, ct_room_, at("2027-03-01T09:00:00Z"), "rosa");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::NotFound);
  EXPECT_EQ(snapshot(), before);

  auto cancelled = orders_->cancel(o, (*orders_->get(o))->version, "Duplicate request", "rosa");
  ASSERT_TRUE(cancelled && cancelled->saved());
  const std::string then = snapshot();
  auto late = schedule_->book(o, ct_room_, at("2027-03-01T09:00:00Z"), "rosa");
  ASSERT_TRUE(late && late->conflict);
  EXPECT_EQ(late->conflict->rule, "order_state");
  EXPECT_EQ(snapshot(), then);
}

TEST_F(ScheduleTest, FiftyRacingRequestsForOneSlotExactlyOneWins) {
  std::vector<int64_t> orders;
  for (int i = 0; i < 50; ++i)
    orders.push_back(order({chest_}, patient("Racer" + std::to_string(i))));
  std::atomic<int> won{0}, taken{0}, other{0};
  std::vector<std::thread> threads;
  for (int64_t o : orders)
    threads.emplace_back([&, o] {
      auto r = schedule_->book(o, ct_room_, at("2027-03-01T10:00:00Z"), "rosa");
      if (r && r->saved())
        ++won;
      else if (r && r->conflict && r->conflict->rule == "slot_taken")
        ++taken;
      else
        ++other;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(won, 1);
  EXPECT_EQ(taken, 49);
  EXPECT_EQ(other, 0);
  auto c = db_->connect();
  EXPECT_EQ((*(*c)->query("SELECT COUNT(*) FROM ris_appointments", {}))[0].integer(0), 1);
}

TEST_F(ScheduleTest, MoveCancelCheckInAndNoShowFollowTheLifecycle) {
  const int64_t o = order({chest_});
  auto a = schedule_->book(o, ct_room_, at("2027-03-02T09:00:00Z"), "rosa")->value;
  // A move: the same appointment elsewhere; a stale version is refused.
  auto moved = schedule_->move(a.id, a.version, ct_room_, at("2027-03-01T11:00:00Z"), "rosa");
  ASSERT_TRUE(moved && moved->saved());
  EXPECT_EQ(moved->value.starts_at, "2027-03-01T11:00:00Z");
  EXPECT_EQ(moved->value.version, a.version + 1);
  auto stale = schedule_->move(a.id, a.version, ct_room_, at("2027-03-01T12:00:00Z"), "rosa");
  ASSERT_TRUE(stale && stale->conflict);
  EXPECT_EQ(stale->conflict->rule, "stale");
  // Moving onto itself, a little later, is not a conflict with itself.
  a = moved->value;
  moved = schedule_->move(a.id, a.version, ct_room_, at("2027-03-01T11:10:00Z"), "rosa");
  ASSERT_TRUE(moved && moved->saved());
  a = moved->value;

  // Cancelled: the order can be booked again, the slot is free again.
  auto no_reason = schedule_->cancel(a.id, a.version, "  ", "rosa");
  EXPECT_EQ(rules_of(no_reason->invalid, "reason"), (std::vector<std::string>{"required"}));
  auto cancelled = schedule_->cancel(a.id, a.version, "Patient asked", "rosa");
  ASSERT_TRUE(cancelled && cancelled->saved());
  EXPECT_EQ(cancelled->value.status, "cancelled");
  EXPECT_EQ(order_status(o), "requested");
  auto again = schedule_->book(o, ct_room_, at("2027-03-01T11:10:00Z"), "rosa");
  ASSERT_TRUE(again && again->saved());
  a = again->value;

  // Check-in on its day only; then it cannot be marked missed or cancelled.
  clock_.now = at("2027-02-28T10:00:00Z").time_since_epoch().count();
  auto early = schedule_->arrive(a.id, a.version, "rosa");
  ASSERT_TRUE(early && early->conflict);
  EXPECT_EQ(early->conflict->rule, "appointment_day");
  clock_.now = at("2027-03-01T10:50:00Z").time_since_epoch().count();
  auto not_yet = schedule_->no_show(a.id, a.version, "rosa");
  ASSERT_TRUE(not_yet && not_yet->conflict);
  EXPECT_EQ(not_yet->conflict->rule, "appointment_time");
  auto arrived = schedule_->arrive(a.id, a.version, "rosa");
  ASSERT_TRUE(arrived && arrived->saved());
  EXPECT_EQ(arrived->value.status, "arrived");
  EXPECT_FALSE(arrived->value.arrived_at.empty());
  EXPECT_EQ(order_status(o), "arrived");
  clock_.now = at("2027-03-01T12:00:00Z").time_since_epoch().count();
  auto late = schedule_->no_show(a.id, arrived->value.version, "rosa");
  ASSERT_TRUE(late && late->conflict);
  EXPECT_EQ(late->conflict->rule, "appointment_state");
  auto cancel_order = orders_->cancel(o, (*orders_->get(o))->version, "Changed mind", "rosa");
  ASSERT_FALSE(cancel_order);
  EXPECT_EQ(cancel_order.error().code, ErrorCode::StateConflict);

  // A patient who does not come: no_show, and the order may be booked again.
  const int64_t missed = order({abdomen_}, patient("Puig"));
  auto b = schedule_->book(missed, ct_room_, at("2027-03-01T12:15:00Z"), "rosa")->value;
  clock_.now = at("2027-03-01T12:30:00Z").time_since_epoch().count();
  auto gone = schedule_->no_show(b.id, b.version, "rosa");
  ASSERT_TRUE(gone && gone->saved());
  EXPECT_EQ(order_status(missed), "no_show");
  EXPECT_TRUE(schedule_->book(missed, ct_room_, at("2027-03-02T09:00:00Z"), "rosa")->saved());

  const std::vector<std::string> expected = {
      kOrderCreated,         kAppointmentBooked, kAppointmentMoved, kAppointmentMoved,
      kAppointmentCancelled, kAppointmentBooked, kPatientArrived,   kOrderCreated,
      kAppointmentBooked,    kPatientNoShow,     kAppointmentBooked};
  EXPECT_EQ(topics(), expected);
}

TEST_F(ScheduleTest, CancellingABookedOrderFreesItsSlot) {
  const int64_t o = order({chest_});
  auto a = schedule_->book(o, ct_room_, at("2027-03-01T09:00:00Z"), "rosa")->value;
  auto cancelled = orders_->cancel(o, (*orders_->get(o))->version, "Referrer withdrew", "rosa");
  ASSERT_TRUE(cancelled && cancelled->saved());
  auto view = schedule_->get(a.id);
  EXPECT_EQ((*view)->appointment.status, "cancelled");
  const std::vector<std::string> expected = {kOrderCreated, kAppointmentBooked,
                                             kAppointmentCancelled, kOrderCancelled};
  EXPECT_EQ(topics(), expected) << "the booking's cancellation is announced with the order's";
  EXPECT_TRUE(
      schedule_
          ->book(order({chest_}, patient("Puig")), ct_room_, at("2027-03-01T09:00:00Z"), "rosa")
          ->saved());
}

TEST_F(ScheduleTest, DailyLimitsAndTheStaffAnExamNeeds) {
  ASSERT_TRUE(
      schedule_->book(order({sedated_}), ct_room_, at("2027-03-01T08:00:00Z"), "rosa")->saved());
  const int64_t second = order({sedated_}, patient("Puig"));
  auto full = schedule_->book(second, ct_room_, at("2027-03-01T11:00:00Z"), "rosa");
  ASSERT_TRUE(full && full->conflict);
  EXPECT_EQ(full->conflict->rule, "daily_limit");
  auto slots = schedule_->free_slots({second, "2027-03-01", 2, 0});
  ASSERT_TRUE(slots && slots->saved());
  EXPECT_EQ(slots->value.full_days, (std::vector<std::string>{"2027-03-01"}));
  EXPECT_EQ(schedule_->zone().local_of(slots->value.windows.front().first).day, "2027-03-02");

  // An ultrasound biopsy needs a radiologist: none is on the staff list yet.
  const int64_t bx = order({biopsy_}, patient("Vidal"));
  EXPECT_TRUE(schedule_->free_slots({bx, "2027-03-01", 1, 0})->value.windows.empty());
  auto nobody = schedule_->book(bx, us_rooms_[0], at("2027-03-01T09:00:00Z"), "rosa");
  EXPECT_EQ(nobody->conflict->rule, "radiologist_busy");
  StaffFields doctor{"dr.serra", "Dr. Serra", true, false, true, {}, {}};
  const int64_t serra = catalogue_->create_staff(doctor, "admin")->value.id;
  auto booked = schedule_->book(bx, us_rooms_[0], at("2027-03-01T09:00:00Z"), "rosa");
  ASSERT_TRUE(booked && booked->saved());
  EXPECT_EQ(booked->value.radiologist_id, serra);
  // The one radiologist cannot be in the other room at the same time.
  const int64_t bx2 = order({biopsy_}, patient("Roca"));
  auto busy = schedule_->book(bx2, us_rooms_[1], at("2027-03-01T09:30:00Z"), "rosa");
  EXPECT_EQ(busy->conflict->rule, "radiologist_busy");
  EXPECT_TRUE(schedule_->book(bx2, us_rooms_[1], at("2027-03-01T09:45:00Z"), "rosa")->saved());

  // Someone who is both a radiologist and a contrast-trained technician is one person: while
  // Dr. Vidal does a biopsy (the radiologist with fewer bookings that day), no contrast CT can
  // have them as its technician.
  StaffFields both{"dr.vidal", "Dr. Vidal", true, true, true, {}, {}};
  const int64_t vidal = catalogue_->create_staff(both, "admin")->value.id;
  const int64_t bx3 = order({biopsy_}, patient("Mas"));
  auto biopsy = schedule_->book(bx3, us_rooms_[0], at("2027-03-01T11:00:00Z"), "rosa");
  ASSERT_TRUE(biopsy && biopsy->saved());
  EXPECT_EQ(biopsy->value.radiologist_id, vidal);
  const int64_t contrast = procedure("CT-THX-C", "CT", 20, false, 0, true);
  auto ct = schedule_->book(order({contrast}, patient("Font")), ct_room_,
                            at("2027-03-01T11:15:00Z"), "rosa");
  ASSERT_TRUE(ct && ct->conflict);
  EXPECT_EQ(ct->conflict->rule, "technician_busy");
  auto later = schedule_->book(order({contrast}, patient("Pons")), ct_room_,
                               at("2027-03-01T11:45:00Z"), "rosa");
  ASSERT_TRUE(later && later->saved());
  EXPECT_EQ(later->value.technician_id, vidal);
}

TEST_F(ScheduleTest, WhatBookingsNeedCannotBeRetiredUnderThem) {
  ASSERT_TRUE(
      schedule_->book(order({chest_}), ct_room_, at("2027-03-01T09:00:00Z"), "rosa")->saved());
  auto room = *catalogue_->room(ct_room_);
  RoomFields retired = *room;
  retired.active = false;
  auto refused = catalogue_->update_room(ct_room_, room->version, retired, "admin");
  ASSERT_TRUE(refused);
  EXPECT_EQ(rules_of(refused->invalid, "active"), (std::vector<std::string>{"booked"}));
  RoomFields other = *room;
  other.modality = "MR";
  EXPECT_EQ(rules_of(catalogue_->update_room(ct_room_, room->version, other, "admin")->invalid,
                     "modality"),
            (std::vector<std::string>{"booked"}));
  StaffFields doctor{"dr.serra", "Dr. Serra", true, false, true, {}, {}};
  auto serra = catalogue_->create_staff(doctor, "admin")->value;
  ASSERT_TRUE(schedule_
                  ->book(order({biopsy_}, patient("Vidal")), us_rooms_[0],
                         at("2027-03-01T09:00:00Z"), "rosa")
                  ->saved());
  StaffFields gone = doctor;
  gone.active = false;
  EXPECT_EQ(
      rules_of(catalogue_->update_staff(serra.id, serra.version, gone, "admin")->invalid, "active"),
      (std::vector<std::string>{"booked"}));
  EXPECT_EQ((*catalogue_->room(ct_room_))->version, room->version) << "nothing saved";
  EXPECT_TRUE((*catalogue_->staff(false)).front().active);
}

TEST_F(ScheduleTest, TheCalendarShowsHoursClosuresAndBookings) {
  ASSERT_TRUE(
      catalogue_->add_closure({0, "2027-03-02", "2027-03-02", "Holiday"}, "admin")->saved());
  ASSERT_TRUE(
      schedule_->book(order({chest_}), ct_room_, at("2027-03-01T09:00:00Z"), "rosa")->saved());
  auto cal = schedule_->calendar("2027-03-01", 2, 0);
  ASSERT_TRUE(cal);
  EXPECT_EQ(cal->rooms.size(), 3u);
  ASSERT_EQ(cal->days.size(), 6u);
  EXPECT_EQ(cal->days[0].open.size(), 1u);
  EXPECT_EQ(cal->days[3].day, "2027-03-02");
  EXPECT_EQ(cal->days[3].closed_reason, "Holiday");
  EXPECT_TRUE(cal->days[3].open.empty());
  ASSERT_EQ(cal->appointments.size(), 1u);
  EXPECT_EQ(cal->appointments[0].mrn, "P0001");
  EXPECT_FALSE(schedule_->calendar("2027-3-1", 2, 0));
  EXPECT_FALSE(schedule_->calendar("2027-03-01", 40, 0));
}

// The exam itself: arrived → in_progress → acquired, each by a role that performs exams and at
// its moment; the reader by hand or by the clinic's rule; refusals change nothing.
TEST_F(ScheduleTest, AnExamIsStartedAndAcquiredByWhoMayAndItsReaderAssigned) {
  auto exams = Exams::open(*db_, *writes_, *outbox_, schedule_->zone(), clock_);
  ASSERT_TRUE(exams) << exams.error().message();
  StaffFields doctor;
  doctor.display_name = "Dr. Serra";
  doctor.radiologist = true;
  std::vector<int64_t> readers;
  for (const char* name : {"serra", "vila"}) {
    doctor.username = name;
    readers.push_back(catalogue_->create_staff(doctor, "admin")->value.id);
  }
  auto booked = schedule_->book(order({chest_}), ct_room_, at("2027-03-01T08:00:00Z"), "rosa");
  ASSERT_TRUE(booked && booked->saved());
  const auto tech = signed_in("tomas", access::Role::Technician);
  const auto desk = signed_in("rosa", access::Role::Receptionist);
  auto early = (*exams)->start(booked->value.id, booked->value.version, tech);
  ASSERT_TRUE(early && early->conflict);
  EXPECT_EQ(early->conflict->rule, "exam_state") << "not checked in yet";
  auto arrived = schedule_->arrive(booked->value.id, booked->value.version, "rosa");
  ASSERT_TRUE(arrived && arrived->saved());
  const std::string before = snapshot();
  auto refused = (*exams)->start(arrived->value.id, arrived->value.version, desk);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::Forbidden);
  EXPECT_EQ((*exams)->acquired(arrived->value.id, arrived->value.version, tech)->conflict->rule,
            "exam_state");
  EXPECT_EQ((*exams)->start(arrived->value.id, arrived->value.version - 1, tech)->conflict->rule,
            "stale");
  EXPECT_EQ(snapshot(), before) << "refusals change nothing";

  auto settings = (*exams)->save_settings({"round_robin", "", ""}, tech);
  ASSERT_FALSE(settings) << "an administrator's setting";
  ASSERT_TRUE((*exams)->save_settings({"round_robin", "", ""}, signed_in("chief", access::Role::Admin))
                  ->saved());
  EXPECT_EQ(rules_of((*exams)->save_settings({"by_name", "", ""},
                                             signed_in("chief", access::Role::Admin))
                         ->invalid,
                     "readingAssignment"),
            (std::vector<std::string>{"unknown"}));
  auto started = (*exams)->start(arrived->value.id, arrived->value.version, tech);
  ASSERT_TRUE(started && started->saved());
  EXPECT_EQ(order_status(arrived->value.order_id), "in_progress");
  auto acquired = (*exams)->acquired(started->value.id, started->value.version, tech);
  ASSERT_TRUE(acquired && acquired->saved());
  EXPECT_EQ(order_status(arrived->value.order_id), "acquired");
  auto view = schedule_->get(acquired->value.id);
  EXPECT_EQ((*view)->reader_id, readers[0]) << "the first in turn";
  EXPECT_EQ(topics().back(), kReaderAssigned);
  // By hand: only a radiologist of the staff.
  EXPECT_EQ(rules_of((*exams)->assign_reader(acquired->value.id, acquired->value.version, 999, tech)
                         ->invalid,
                     "radiologistId"),
            (std::vector<std::string>{"unknown"}));
  auto mine = (*exams)->assign_reader(acquired->value.id, acquired->value.version, readers[1], tech);
  ASSERT_TRUE(mine && mine->saved());
  EXPECT_EQ((*schedule_->get(acquired->value.id))->reader_id, readers[1]);
  // Once a radiologist reads it, only an administrator gives it to another.
  {
    auto c = db_->connect();
    ASSERT_TRUE((*c)->execute("UPDATE ris_orders SET status = 'in_reading' WHERE id = ?",
                              {arrived->value.order_id}));
  }
  const auto now_seen = (*schedule_->get(acquired->value.id))->appointment.version;
  EXPECT_EQ((*exams)->assign_reader(acquired->value.id, now_seen, readers[0], tech)->conflict->rule,
            "exam_state");
  EXPECT_TRUE((*exams)
                  ->assign_reader(acquired->value.id, now_seen, readers[0],
                                  signed_in("chief", access::Role::Admin))
                  ->saved());
  // The day's worklist: open exams first, this one done.
  auto day = (*exams)->worklist({"2027-03-01", 0, "CT", "", ""});
  ASSERT_TRUE(day && day->saved());
  ASSERT_EQ(day->value.items.size(), 1u);
  EXPECT_EQ(day->value.items[0].order_status, "acquired") << "given to another: theirs to open";
  EXPECT_TRUE((*exams)->worklist({"2027-03-02", 0, "", "", ""})->value.items.empty());
  EXPECT_EQ(rules_of((*exams)->worklist({"2027-02-30", 0, "", "", ""})->invalid, "day"),
            (std::vector<std::string>{"format"}));
}

// A request for an appointment: one pending per order, confirmed by booking it in the same job
// (or answered by a booking made otherwise), declined with a reason, closed with its order.
TEST_F(ScheduleTest, AnAppointmentRequestIsConfirmedByBookingOrDeclined) {
  const int64_t o = order({chest_});
  RequestFields f;
  f.order_id = o;
  f.preferred_from = "2027-03-01";
  f.preferred_to = "2027-03-05";
  f.preferred_time = "morning";
  f.note = "Not on Wednesday";
  auto asked = schedule_->request(f, "staff", "rosa");
  ASSERT_TRUE(asked && asked->saved());
  EXPECT_EQ(asked->value.status, "pending");
  EXPECT_EQ(topics().back(), kRequestCreated);
  const std::string before = snapshot();
  EXPECT_EQ(schedule_->request(f, "staff", "rosa")->conflict->rule, "request_pending");
  RequestFields bad = f;
  bad.preferred_from = "2027-02-27";
  bad.preferred_to = "2027-02-26";
  bad.preferred_time = "night";
  auto refused = schedule_->request(bad, "staff", "rosa");
  EXPECT_EQ(rules_of(refused->invalid, "preferredFrom"), (std::vector<std::string>{"past"}));
  EXPECT_EQ(rules_of(refused->invalid, "preferredTo"), (std::vector<std::string>{"order"}));
  EXPECT_EQ(rules_of(refused->invalid, "preferredTime"), (std::vector<std::string>{"unknown"}));
  bad = f;
  bad.order_id = 9999;
  EXPECT_EQ(rules_of(schedule_->request(bad, "staff", "rosa")->invalid, "orderId"),
            (std::vector<std::string>{"unknown"}));
  EXPECT_EQ(snapshot(), before) << "refusals change nothing";
  // Confirmed by a booking that fails: nothing changes; then by one that holds.
  const int64_t taken_order = order({chest_}, patient("Puig"));
  auto taken = schedule_->book(taken_order, ct_room_, at("2027-03-01T09:00:00Z"), "rosa");
  ASSERT_TRUE(taken && taken->saved());
  const std::string with_other = snapshot();
  auto other_order = schedule_->confirm_request(asked->value.id, asked->value.version, taken_order,
                                                ct_room_, at("2027-03-01T10:00:00Z"), "rosa");
  EXPECT_EQ(rules_of(other_order->invalid, "orderId"), (std::vector<std::string>{"mismatch"}))
      << "the order seen must be the one booked";
  auto clash = schedule_->confirm_request(asked->value.id, asked->value.version, o, ct_room_,
                                          at("2027-03-01T09:05:00Z"), "rosa");
  ASSERT_TRUE(clash && clash->conflict);
  EXPECT_EQ(clash->conflict->rule, "slot_taken");
  EXPECT_EQ(snapshot(), with_other);
  EXPECT_EQ(schedule_->confirm_request(asked->value.id, asked->value.version - 1, o, ct_room_,
                                       at("2027-03-01T10:00:00Z"), "rosa")
                ->conflict->rule,
            "stale");
  auto confirmed = schedule_->confirm_request(asked->value.id, asked->value.version, o, ct_room_,
                                              at("2027-03-01T10:00:00Z"), "rosa");
  ASSERT_TRUE(confirmed && confirmed->saved());
  EXPECT_EQ(order_status(o), "scheduled");
  auto now = schedule_->request_view(asked->value.id);
  EXPECT_EQ((*now)->request.status, "confirmed");
  EXPECT_EQ((*now)->request.appointment_id, confirmed->value.id);
  EXPECT_EQ(schedule_->confirm_request(asked->value.id, (*now)->request.version, o, ct_room_,
                                       at("2027-03-01T11:00:00Z"), "rosa")
                ->conflict->rule,
            "request_state");
  EXPECT_EQ(topics().back(), kAppointmentBooked);
  // Its booking cancelled, the request waits for an answer again.
  auto booking = schedule_->get(confirmed->value.id);
  ASSERT_TRUE(schedule_->cancel(confirmed->value.id, (*booking)->appointment.version,
                                "The scanner is down", "rosa")
                  ->saved());
  auto reopened = schedule_->request_view(asked->value.id);
  EXPECT_EQ((*reopened)->request.status, "pending");
  EXPECT_EQ((*reopened)->request.appointment_id, 0);
  EXPECT_EQ(topics().back(), kAppointmentCancelled);
  EXPECT_EQ(std::ranges::count(topics(), std::string(kRequestReopened)), 1);
  // Declined with a reason; a booking made by phone answers a pending request; so does
  // cancelling its order.
  const int64_t second = order({chest_}, patient("Vidal"));
  f.order_id = second;
  auto other = schedule_->request(f, "referrer", "dr.serra");
  EXPECT_EQ(rules_of(schedule_->decline_request(other->value.id, other->value.version, " ", "rosa")
                         ->invalid,
                     "reason"),
            (std::vector<std::string>{"required"}));
  auto declined =
      schedule_->decline_request(other->value.id, other->value.version, "No scanner that week", "rosa");
  ASSERT_TRUE(declined && declined->saved());
  EXPECT_EQ(declined->value.status, "declined");
  EXPECT_EQ(declined->value.decline_reason, "No scanner that week");
  auto again = schedule_->request(f, "referrer", "dr.serra");
  ASSERT_TRUE(again && again->saved()) << "declined, the order may be asked for again";
  auto phoned = schedule_->book(second, ct_room_, at("2027-03-01T12:00:00Z"), "rosa");
  ASSERT_TRUE(phoned && phoned->saved());
  EXPECT_EQ((*schedule_->request_view(again->value.id))->request.appointment_id, phoned->value.id);
  const int64_t third = order({chest_}, patient("Roca"));
  f.order_id = third;
  auto last = schedule_->request(f, "staff", "rosa");
  auto cancelled = orders_->cancel(third, (*orders_->get(third))->version, "Duplicate", "rosa");
  ASSERT_TRUE(cancelled && cancelled->saved());
  auto closed = schedule_->request_view(last->value.id);
  EXPECT_EQ((*closed)->request.status, "declined");
  EXPECT_EQ((*closed)->request.decline_reason, "The order was cancelled: Duplicate");
  auto pending = schedule_->requests("pending", 100);
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 1u) << "the one whose booking was cancelled";
  EXPECT_EQ(pending->front().request.id, asked->value.id);
  EXPECT_EQ(schedule_->requests("declined", 100)->size(), 2u);
  EXPECT_FALSE(schedule_->requests("lost", 100));
}

// The pending list puts a stat request before an urgent one and both before routine ones, each
// kind oldest first; the database itself holds one pending request per order.
TEST_F(ScheduleTest, PendingRequestsComeStatFirstAndTheDatabaseHoldsOnePerOrder) {
  std::vector<int64_t> asked;
  for (auto [family, priority] : std::vector<std::pair<std::string, std::string>>{
           {"Puig", "routine"}, {"Vidal", "stat"}, {"Roca", "urgent"}, {"Serra", "routine"},
           {"Pons", "stat"}}) {
    OrderFields o;
    o.patient_id = patient(family);
    o.procedure_ids = {chest_};
    o.priority = priority;
    o.reason = "Staging";
    auto made = orders_->create(o, "rosa");
    ASSERT_TRUE(made && made->saved());
    RequestFields f;
    f.order_id = made->value.id;
    f.preferred_from = "2027-03-01";
    f.preferred_to = "2027-03-05";
    f.preferred_time = "any";
    auto r = schedule_->request(f, "staff", "rosa");
    ASSERT_TRUE(r && r->saved());
    asked.push_back(r->value.id);
  }
  auto ids = [](const std::vector<RequestView>& list) {
    std::vector<int64_t> out;
    for (const auto& v : list) out.push_back(v.request.id);
    return out;
  };
  EXPECT_EQ(ids(*schedule_->requests("pending", 100)),
            (std::vector<int64_t>{asked[1], asked[4], asked[2], asked[0], asked[3]}));
  EXPECT_EQ(ids(*schedule_->requests("pending", 2)), (std::vector<int64_t>{asked[1], asked[4]}));
  EXPECT_EQ(ids(*schedule_->requests("", 100)),
            (std::vector<int64_t>{asked[4], asked[3], asked[2], asked[1], asked[0]}))
      << "every status: the newest first";
  // A second pending request for an order, written past the domain, is refused by the index;
  // a declined one beside it is not.
  auto c = db_->connect();
  const std::string copy =
      "INSERT INTO ris_appointment_requests (order_id, patient_id, source, preferred_from, "
      "preferred_to, preferred_time, note, status, decline_reason, appointment_id, version, "
      "created_at, created_by, updated_at, updated_by) SELECT order_id, patient_id, source, "
      "preferred_from, preferred_to, preferred_time, note, ?, '', 0, 1, created_at, created_by, "
      "updated_at, updated_by FROM ris_appointment_requests WHERE id = ?";
  EXPECT_FALSE((*c)->execute(copy, {std::string("pending"), asked[0]}));
  EXPECT_TRUE((*c)->execute(copy, {std::string("declined"), asked[0]}));
}

// Broadcast events reach every listener once their write commits, never a rolled-back one's.
TEST_F(ScheduleTest, CommittedChangesReachTheLiveFeedAndRolledBackOnesDoNot) {
  outbox_->broadcast(kAppointmentBooked);
  events::LiveFeed feed(*db_, std::chrono::milliseconds(50));
  feed.listen_to(*writes_, *outbox_);
  ASSERT_TRUE(feed.read_new()) << "where the table ends: what comes after is news";
  feed.start();
  std::mutex m;
  std::condition_variable cv;
  std::vector<std::string> heard;
  auto subscription = feed.subscribe([&](const events::LiveEvent& e) {
    std::lock_guard lock(m);
    heard.push_back(e.event.topic + ":" + e.event.id("appointment"));
    cv.notify_all();
  });
  EXPECT_EQ(feed.listeners(), 1u);
  auto rolled_back = writes_->run<bool>([&](Connection& c) -> Result<bool> {
    if (auto s = outbox_->enqueue(c, {kAppointmentBooked, {{"appointment", "999"}}}); !s)
      return std::unexpected(s.error());
    return fail(ErrorCode::StateConflict, "changed my mind");
  });
  EXPECT_FALSE(rolled_back);
  auto booked = schedule_->book(order({chest_}), ct_room_, at("2027-03-01T09:00:00Z"), "rosa");
  ASSERT_TRUE(booked && booked->saved());
  std::unique_lock lock(m);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(5), [&] { return !heard.empty(); }));
  EXPECT_EQ(heard, (std::vector<std::string>{std::string(kAppointmentBooked) + ":" +
                                             std::to_string(booked->value.id)}));
  lock.unlock();
  subscription.reset();
  EXPECT_EQ(feed.listeners(), 0u);
  feed.stop();
}

// A referring physician asks for an appointment for the orders that name them, and for no other:
// another's order, or any order for an account whose name is one word, is as unknown as an order
// that does not exist, and nothing is written.
TEST_F(ScheduleTest, AReferrerAsksOnlyForTheirOwnOrders) {
  auto made = [&](const std::string& referrer) {
    OrderFields o;
    o.patient_id = patient("Puig");
    o.procedure_ids = {chest_};
    o.reason = "Staging";
    o.referring_physician = referrer;
    auto m = orders_->create(o, "rosa");
    if (!m || !m->saved()) {
      ADD_FAILURE() << "the order was not made";
      return int64_t{0};
    }
    return m->value.id;
  };
  const int64_t mine = made("Dr. Joan Serra Vila"), theirs = made("Dra. Marta Roig");
  RequestFields f;
  f.preferred_from = "2027-03-01";
  f.preferred_to = "2027-03-05";
  f.preferred_time = "morning";
  const std::string before = snapshot();
  for (auto [order, account] : std::vector<std::pair<int64_t, std::string>>{
           {theirs, "SERRA VILA^JOAN"}, {mine, "SERRA"}, {mine, "-"}, {9999, "SERRA VILA^JOAN"}}) {
    f.order_id = order;
    auto refused = schedule_->request(f, "referrer", "dr.serra", account);
    ASSERT_TRUE(refused);
    EXPECT_EQ(rules_of(refused->invalid, "orderId"), (std::vector<std::string>{"unknown"}))
        << order << " " << account;
  }
  EXPECT_EQ(snapshot(), before) << "refusals change nothing";
  f.order_id = mine;
  auto asked = schedule_->request(f, "referrer", "dr.serra", "SERRA VILA^JOAN");
  ASSERT_TRUE(asked && asked->saved());
  EXPECT_EQ(asked->value.source, "referrer");
  // The referrer's list shows the request waiting, then why it was declined.
  auto listed = orders_->referrals("Joan Serra Vila", false, 10);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().request_status, "pending");
  ASSERT_TRUE(schedule_->decline_request(asked->value.id, asked->value.version,
                                         "Please send the creatinine first", "rosa")
                  ->saved());
  listed = orders_->referrals("Joan Serra Vila", false, 10);
  EXPECT_EQ(listed->front().request_status, "declined");
  EXPECT_EQ(listed->front().request_decline_reason, "Please send the creatinine first");
}

// A node that finds events removed before it read them (it was away while more than the table
// keeps came) tells its listeners to read everything again, once, before what it reads next; a
// gap alone (a rolled-back write's unused id) does not.
TEST_F(ScheduleTest, AFeedThatMissedRemovedEventsTellsItsListenersToReadEverythingAgain) {
  outbox_->broadcast(kAppointmentBooked);
  events::LiveFeed feed(*db_);
  ASSERT_TRUE(feed.read_new()) << "where the table ends: what comes after is news";
  std::vector<std::string> heard;
  auto subscription = feed.subscribe([&](const events::LiveEvent& e) {
    heard.push_back(e.resync ? "resync" : e.event.topic + ":" + e.event.id("appointment"));
  });
  auto c = db_->connect();
  auto top = (*c)->query("SELECT COALESCE(MAX(id), 0) FROM live_events", {});
  ASSERT_TRUE(top);
  const int64_t last = (*top)[0].integer(0);
  auto add = [&](int64_t id, int appointment) {
    ASSERT_TRUE((*c)->execute(
        "INSERT INTO live_events (id, topic, ids, created_at) VALUES (?, ?, ?, ?)",
        {id, std::string(kAppointmentBooked),
         events::Event{kAppointmentBooked, {{"appointment", std::to_string(appointment)}}}.encoded_ids(),
         int64_t{1803200400}}));
  };
  add(last + 3, 1);  // ids last+1 and last+2 were never committed
  ASSERT_EQ(feed.read_new(), 1u);
  const std::string booked = std::string(kAppointmentBooked) + ":";
  EXPECT_EQ(heard, (std::vector<std::string>{booked + "1"}));
  // Writers keep the latest kLiveEventsKept: events up to here were removed unread.
  heard.clear();
  const int64_t newest = last + 3 + events::kLiveEventsKept + 10;
  add(newest - events::kLiveEventsKept + 1, 2);
  add(newest, 3);
  ASSERT_EQ(feed.read_new(), 2u);
  EXPECT_EQ(heard, (std::vector<std::string>{"resync", booked + "2", booked + "3"}));
  heard.clear();
  ASSERT_EQ(feed.read_new(), 0u);
  EXPECT_TRUE(heard.empty()) << "told once";
}

// The modality worklist's view of the book: each booked order one step, on the clinic's wall
// clock on either side of the change to summer time, matched by name keys and window, gone once
// cancelled.
TEST_F(ScheduleTest, EachBookedOrderIsOneWorklistStepOnTheClinicsClockUntilCancelled) {
  auto steps = ProcedureSteps::open(*db_, *TimeZone::named("Europe/Madrid"));
  ASSERT_TRUE(steps) << steps.error().message();
  auto winter = schedule_->book(order({chest_, abdomen_}), ct_room_, at("2027-03-01T09:00:00Z"), "rosa");
  ASSERT_TRUE(winter && winter->saved());
  auto summer = schedule_->book(order({chest_}, patient("Núñez")), ct_room_, at("2027-03-29T07:00:00Z"), "rosa");
  ASSERT_TRUE(summer && summer->saved());

  auto all = (*steps)->find({});
  ASSERT_TRUE(all) << all.error().message();
  ASSERT_EQ(all->size(), 2u);
  const ScheduledStep& first = (*all)[0];
  EXPECT_EQ(first.appointment_id, winter->value.id);
  EXPECT_EQ((std::pair{first.local_start.day, first.local_start.minute}), (std::pair{std::string("2027-03-01"), 600}));
  EXPECT_EQ((std::pair{(*all)[1].local_start.day, (*all)[1].local_start.minute}),
            (std::pair{std::string("2027-03-29"), 540}))
      << "after the change to summer time, 07:00 UTC is 09:00 in Madrid";
  EXPECT_EQ(first.state, "SCHEDULED");
  EXPECT_EQ(first.modality, "CT");
  ASSERT_EQ(first.procedures.size(), 2u);
  EXPECT_EQ(first.procedures[0].code, "CT-THX");
  EXPECT_EQ(first.procedures[1].code, "CT-ABD");
  EXPECT_TRUE(first.study_instance_uid.starts_with("2.25.")) << first.study_instance_uid;
  EXPECT_NE(first.study_instance_uid, (*all)[1].study_instance_uid);

  StepQuery by_name;
  by_name.family_name = "nun*";  // case and accent folded like the patients' search keys
  ASSERT_EQ((*steps)->find(by_name)->size(), 1u);
  EXPECT_EQ((*steps)->find(by_name)->front().appointment_id, summer->value.id);
  StepQuery late_march;
  late_march.from = at("2027-03-28T22:00:00Z");  // the clinic's 29 March, from midnight
  late_march.to = at("2027-03-29T21:59:59Z");
  ASSERT_EQ((*steps)->find(late_march)->size(), 1u);
  StepQuery started;
  started.states = {"STARTED"};
  EXPECT_TRUE((*steps)->find(started)->empty());
  StepQuery never;
  never.states = {"READY"};  // a defined term Vireo never gives: no step
  EXPECT_TRUE((*steps)->find(never)->empty());
  StepQuery any;
  any.states = {"*"};
  EXPECT_EQ((*steps)->find(any)->size(), 2u);
  StepQuery listed;
  listed.study_instance_uid = "1.2.3\\" + first.study_instance_uid;  // any of a list
  EXPECT_EQ((*steps)->find(listed)->size(), 1u);

  ASSERT_TRUE(schedule_->cancel(winter->value.id, winter->value.version, "Patient called", "rosa")->saved());
  auto left = (*steps)->find({});
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ(left->front().appointment_id, summer->value.id) << "a cancelled booking is no step";
}

// The same bookings as UPS workitems: the state follows the exam, a claim's Transaction UID is
// the only key that ends it, a refusal changes nothing, another day's exam is not begun, and a
// cancellation asked for is recorded and told, never a booking cancelled by it.
TEST_F(ScheduleTest, WorkitemsFollowTheExamAndOnlyTheirClaimEndsThem) {
  for (const char* topic : {kExamDiscontinued, kWorkitemCancelRequested, kWorkitemSubscribed})
    outbox_->route(topic, "test-consumer");
  auto opened = Workitems::open(*db_, *writes_, *outbox_, *TimeZone::named("Europe/Madrid"), clock_);
  ASSERT_TRUE(opened) << opened.error().message();
  Workitems& items = **opened;
  const int64_t a_order = order({chest_}), b_order = order({abdomen_}, patient("Núñez")), c_order = order({chest_}),
                d_order = order({chest_});
  ASSERT_TRUE(schedule_->book(a_order, ct_room_, at("2027-03-01T09:00:00Z"), "rosa")->saved());
  auto b_booking = schedule_->book(b_order, ct_room_, at("2027-03-01T10:00:00Z"), "rosa");
  ASSERT_TRUE(b_booking->saved());
  ASSERT_TRUE(schedule_->book(c_order, ct_room_, at("2027-03-01T11:00:00Z"), "rosa")->saved());
  ASSERT_TRUE(schedule_->book(d_order, ct_room_, at("2027-03-02T09:00:00Z"), "rosa")->saved());  // tomorrow
  auto all = items.find({});
  ASSERT_TRUE(all) << all.error().message();
  ASSERT_EQ(all->size(), 4u);
  const std::string a = (*all)[0].step.workitem_uid, b = (*all)[1].step.workitem_uid, c = (*all)[2].step.workitem_uid,
                    d = (*all)[3].step.workitem_uid;
  EXPECT_TRUE(a.starts_with("2.25.")) << a;
  EXPECT_NE(a, b);
  for (const auto& w : *all) EXPECT_EQ(w.state, "SCHEDULED");
  using Refusal = WorkitemOutcome::Refusal;
  const std::string t1 = "2.25.1111", t2 = "2.25.2222";

  // Refusals: nothing changes.
  const std::string before = snapshot();
  EXPECT_EQ(items.change_state(a, "COMPLETED", t1, "ai")->refusal, Refusal::Conflict) << "not IN PROGRESS";
  EXPECT_EQ(items.change_state(a, "IN PROGRESS", "not a uid", "ai")->refusal, Refusal::Invalid);
  EXPECT_EQ(items.change_state(a, "SCHEDULED", t1, "ai")->refusal, Refusal::Invalid);
  EXPECT_EQ(items.change_state("2.25.999", "IN PROGRESS", t1, "ai")->refusal, Refusal::NotFound);
  EXPECT_EQ(items.change_state(a, "CANCELED", t1, "ai")->refusal, Refusal::Conflict) << "cancel a scheduled one by request";
  auto tomorrow = items.change_state(d, "IN PROGRESS", t1, "ai");
  EXPECT_EQ(tomorrow->refusal, Refusal::Conflict) << "tomorrow's exam begun today";
  EXPECT_NE(tomorrow->why.find("2027-03-02"), std::string::npos) << tomorrow->why;
  EXPECT_EQ(snapshot(), before);

  auto claimed = items.change_state(a, "IN PROGRESS", t1, "ai");
  ASSERT_TRUE(claimed) << claimed.error().message();
  ASSERT_EQ(claimed->refusal, Refusal::None) << claimed->why;
  EXPECT_EQ(claimed->workitem->state, "IN PROGRESS");
  EXPECT_EQ(claimed->workitem->performer, "ai");
  EXPECT_EQ(order_status(a_order), "in_progress") << "claiming the workitem starts the exam";
  const std::string claimed_state = snapshot();
  EXPECT_EQ(items.change_state(a, "IN PROGRESS", t2, "other")->refusal, Refusal::Conflict) << "a second claim";
  EXPECT_EQ(items.change_state(a, "COMPLETED", t2, "other")->refusal, Refusal::Conflict) << "another's Transaction UID";
  EXPECT_EQ(snapshot(), claimed_state);

  auto completed = items.change_state(a, "COMPLETED", t1, "ai");
  ASSERT_EQ(completed->refusal, Refusal::None) << completed->why;
  EXPECT_EQ(completed->workitem->state, "COMPLETED");
  EXPECT_EQ(order_status(a_order), "acquired");
  auto again = items.change_state(a, "COMPLETED", t1, "ai");
  EXPECT_EQ(again->refusal, Refusal::None);
  EXPECT_FALSE(again->warning.empty()) << "completed twice by its performer: done already";
  EXPECT_EQ(items.change_state(a, "CANCELED", t1, "ai")->refusal, Refusal::Conflict);

  // Asked to cancel while scheduled: recorded and told; the booking is the schedule's to cancel.
  auto asked = items.request_cancel(b, {"Scanner down", "Rosa", "tel:+34600000000"}, "ct1");
  ASSERT_EQ(asked->refusal, Refusal::None) << asked->why;
  EXPECT_EQ(asked->workitem->state, "SCHEDULED");
  EXPECT_EQ((std::tuple{asked->workitem->cancel_reason, asked->workitem->contact_name, asked->workitem->contact_uri}),
            (std::tuple{std::string("Scanner down"), std::string("Rosa"), std::string("tel:+34600000000")}));
  EXPECT_EQ(asked->appointment_version, b_booking->value.version);
  EXPECT_EQ(order_status(b_order), "scheduled");
  ASSERT_TRUE(schedule_->cancel(b_booking->value.id, b_booking->value.version, "Scanner down", "rosa")->saved());
  EXPECT_EQ((*items.get(b))->state, "CANCELED");
  EXPECT_EQ(items.request_cancel(b, {}, "ct1")->refusal, Refusal::Conflict) << "cancelled already";
  EXPECT_EQ(items.request_cancel("2.25.999", {}, "ct1")->refusal, Refusal::NotFound);

  // Asked to cancel while in progress: the performer is told, and cancels it.
  ASSERT_EQ(items.change_state(c, "IN PROGRESS", t2, "ai")->refusal, Refusal::None);
  auto told = items.request_cancel(c, {"Wrong protocol", "", ""}, "ris-admin");
  ASSERT_EQ(told->refusal, Refusal::None) << told->why;
  EXPECT_EQ(told->workitem->state, "IN PROGRESS");
  EXPECT_EQ(told->workitem->cancel_requested_by, "ris-admin");
  auto t = topics();
  EXPECT_NE(std::ranges::find(t, std::string(kWorkitemCancelRequested)), t.end());
  EXPECT_EQ(items.check_claim(c, t2)->refusal, Refusal::None) << "its performer may update it";
  EXPECT_EQ(items.check_claim(c, t1)->refusal, Refusal::Conflict);
  EXPECT_EQ(items.check_claim(d, t1)->refusal, Refusal::Conflict) << "not IN PROGRESS";
  auto cancelled = items.change_state(c, "CANCELED", t2, "ai");
  ASSERT_EQ(cancelled->refusal, Refusal::None) << cancelled->why;
  EXPECT_EQ(cancelled->workitem->state, "CANCELED");
  EXPECT_EQ(order_status(c_order), "requested");

  StepQuery done;
  done.workitem_states = {"COMPLETED"};
  ASSERT_EQ(items.find(done)->size(), 1u);
  EXPECT_EQ(items.find(done)->front().step.workitem_uid, a);
  done.workitem_states = {"CANCELED", "SCHEDULED"};
  EXPECT_EQ(items.find(done)->size(), 3u);
  EXPECT_FALSE(*items.get("1.2.3")) << "no such workitem";

  // Subscriptions: to one, to all; a suspended global one stays; unsubscribing globally ends all.
  EXPECT_EQ(items.subscribe("AI_PIPE", a, "", true, "ai")->refusal, Refusal::None);
  EXPECT_EQ(items.subscribe("AI_PIPE", "2.25.999", "", false, "ai")->refusal, Refusal::NotFound);
  EXPECT_EQ(items.subscribe("AI_PIPE", kGlobalWorklistUid, "", false, "ai")->refusal, Refusal::None);
  EXPECT_EQ(items.subscribe("AI_PIPE", kGlobalWorklistUid, "", false, "ai")->refusal, Refusal::None) << "again: replaced";
  EXPECT_EQ(items.suspend("AI_PIPE", kGlobalWorklistUid, "mallory", false)->refusal, Refusal::Conflict)
      << "another account's AE";
  EXPECT_EQ(items.suspend("AI_PIPE", kGlobalWorklistUid, "ai", false)->refusal, Refusal::None);
  EXPECT_EQ(items.suspend("OTHER", kGlobalWorklistUid, "ai", false)->refusal, Refusal::NotFound);
  EXPECT_EQ(items.suspend("AI_PIPE", a, "ai", false)->refusal, Refusal::Invalid);
  auto subs = items.subscriptions_of({"AI_PIPE"});
  ASSERT_EQ(subs->size(), 2u);
  EXPECT_EQ((*subs)[0].kind, "workitem");
  EXPECT_TRUE((*subs)[0].deletion_lock);
  EXPECT_EQ((*subs)[1].kind, "global");
  EXPECT_FALSE((*subs)[1].suspended_at.empty());
  EXPECT_EQ(items.unsubscribe("AI_PIPE", kGlobalWorklistUid, "mallory", false)->refusal, Refusal::Conflict);
  EXPECT_EQ(items.subscriptions_of({"AI_PIPE"})->size(), 2u);
  EXPECT_EQ(items.unsubscribe("AI_PIPE", kGlobalWorklistUid, "admin", true)->refusal, Refusal::None)
      << "an administrator ends anyone's";
  EXPECT_TRUE(items.subscriptions_of({"AI_PIPE"})->empty());
}

// The state a booking's workitem has (C++) and the one a search finds it under (SQL) agree for
// every pair of appointment and order status.
TEST_F(ScheduleTest, AWorkitemIsFoundUnderTheStateItHas) {
  auto opened = Workitems::open(*db_, *writes_, *outbox_, *TimeZone::named("Europe/Madrid"), clock_);
  ASSERT_TRUE(opened) << opened.error().message();
  const int64_t o = order({chest_});
  auto booked = schedule_->book(o, ct_room_, at("2027-03-01T09:00:00Z"), "rosa");
  ASSERT_TRUE(booked && booked->saved());
  const std::string uid = (*opened)->find({})->front().step.workitem_uid;
  auto c = db_->connect();
  for (const char* appointment : kAppointmentStates)
    for (const char* order_state : kOrderStates) {
      ASSERT_TRUE((*c)->execute("UPDATE ris_appointments SET status = ? WHERE id = ?",
                                {std::string(appointment), booked->value.id}));
      ASSERT_TRUE((*c)->execute("UPDATE ris_orders SET status = ? WHERE id = ?", {std::string(order_state), o}));
      const std::string has = workitem_state(appointment, order_state);
      for (const char* state : kWorkitemStates) {
        StepQuery q;
        q.workitem_states = {state};
        q.workitem_uid = uid;
        EXPECT_EQ((*opened)->find(q)->size(), has == state ? 1u : 0u)
            << appointment << " / " << order_state << " is " << has << ", searched as " << state;
      }
    }
}

}  // namespace
}  // namespace vireo::ris
