#include "audit/audit_log.hpp"

#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/sha256.hpp"

namespace vireo::audit {

namespace {
constexpr size_t kMaxBatch = 512;
constexpr int kRetries = 3;  // a batch that failed with others' work is tried again this often
constexpr const char* kColumns =
    "id, at, actor, actor_role, action, outcome, patient_id, study_uid, resource, source, "
    "user_agent, detail, "
    "prev_hash, hash";

AuditEvent from_row(const Row& r) {
  AuditEvent e;
  e.id = r.integer(0);
  e.at = r.text(1);
  e.actor = r.text(2);
  e.actor_role = r.text(3);
  e.action = r.text(4);
  e.outcome = r.text(5);
  e.patient_id = r.text(6);
  e.study_uid = r.text(7);
  e.resource = r.text(8);
  e.source = r.text(9);
  e.user_agent = r.text(10);
  e.detail = r.text(11);
  e.prev_hash = r.text(12);
  e.hash = r.text(13);
  return e;
}
}  // namespace

const std::vector<Migration>& audit_migrations() {
  static const std::vector<Migration> migrations = {
      {1,
       "audit trail: hash-chained events",
       {
           R"(CREATE TABLE audit_events (
                id ${PK},
                at TEXT NOT NULL,
                actor TEXT NOT NULL,
                actor_role TEXT NOT NULL,
                action TEXT NOT NULL,
                outcome TEXT NOT NULL,
                patient_id TEXT NOT NULL,
                study_uid TEXT NOT NULL,
                resource TEXT NOT NULL,
                source TEXT NOT NULL,
                user_agent TEXT NOT NULL,
                detail TEXT NOT NULL,
                prev_hash TEXT NOT NULL,
                hash TEXT NOT NULL))",
           "CREATE INDEX audit_events_at ON audit_events (at)",
           "CREATE INDEX audit_events_patient ON audit_events (patient_id, at)",
           "CREATE INDEX audit_events_actor ON audit_events (actor, at)",
           // Append-only at the database level too: the application never updates or
           // deletes an event (an attacker with the file can drop these, which verify sees).
           "${APPEND_ONLY:audit_events}",
       }},
  };
  return migrations;
}

std::string chain_hash(const AuditEvent& e, const std::string& prev_hash) {
  // Unit separators keep fields apart ("ab"+"c" differs from "a"+"bc").
  std::string s = std::to_string(e.id);
  for (const std::string* f :
       {&e.at, &e.actor, &e.actor_role, &e.action, &e.outcome, &e.patient_id, &e.study_uid,
        &e.resource, &e.source, &e.user_agent, &e.detail, &prev_hash}) {
    s.push_back('\x1f');
    s += *f;
  }
  return sha256_hex(s);
}

Result<std::unique_ptr<AuditLog>> AuditLog::open(Database& db, WriteQueue& writes,
                                                 const MigrationProgress& progress) {
  if (auto s = migrate(db, "audit", audit_migrations(), progress); !s) return std::unexpected(s.error());
  return std::unique_ptr<AuditLog>(new AuditLog(db, writes));
}

AuditLog::~AuditLog() {
  (void)flush();
  std::unique_lock lock(mutex_);
  done_.wait(lock, [&] { return !appending_; });
}

void AuditLog::set_sink(std::function<void(const AuditEvent&)> sink) {
  std::lock_guard lock(mutex_);
  sink_ = std::move(sink);
}

void AuditLog::record(AuditEvent e) {
  if (e.at.empty()) e.at = utc_now_iso();
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(e));
    ++queued_;
    if (appending_) return;
    appending_ = true;
  }
  post_append();
}

Status AuditLog::flush() {
  std::unique_lock lock(mutex_);
  uint64_t target = queued_;
  done_.wait(lock, [&] { return written_ >= target; });
  return last_error_;
}

namespace {
std::vector<AuditEvent> take(std::deque<AuditEvent>& queue) {
  std::vector<AuditEvent> batch;
  while (!queue.empty() && batch.size() < kMaxBatch) {
    batch.push_back(std::move(queue.front()));
    queue.pop_front();
  }
  return batch;
}
}  // namespace

void AuditLog::post_append() {
  // The batch is taken when the job runs, not now: what is recorded while earlier jobs
  // run joins it.
  writes_.post(
      [this](Connection& c) -> Status {
        {
          std::lock_guard lock(mutex_);
          in_flight_ = take(queue_);
        }
        return append(c, in_flight_);
      },
      [this](const Status& s) { appended(s); });
}

void AuditLog::appended(const Status& s) {
  std::function<void(const AuditEvent&)> sink;
  bool retry = false;
  {
    std::lock_guard lock(mutex_);
    const bool ran = !in_flight_.empty();
    if (!s && ran && ++failures_ <= kRetries) {
      // The batch failed with other domains' work (their blob sync, the commit): these events
      // go back to the front, to be appended again in a later transaction.
      for (auto it = in_flight_.rbegin(); it != in_flight_.rend(); ++it)
        queue_.push_front(std::move(*it));
      in_flight_.clear();
      retry = true;
    } else {
      failures_ = 0;
      // The job never ran (the queue is stopped or could not begin): its batch is lost too.
      if (!s && !ran) in_flight_ = take(queue_);
    }
    sink = sink_;
  }
  if (!s && !retry)
    spdlog::error("{} audit events could not be written: {}", in_flight_.size(),
                  s.error().message());
  if (s && sink)
    for (const auto& e : in_flight_) sink(e);
  bool more = false;
  {
    std::lock_guard lock(mutex_);
    if (!retry) {
      written_ += in_flight_.size();
      last_error_ = s;
      in_flight_.clear();
    }
    more = !queue_.empty();
    appending_ = more;
    // Under the lock: the destructor may run as soon as it sees the last event written.
    done_.notify_all();
  }
  if (more) post_append();
}

Status AuditLog::append(Connection& c, std::vector<AuditEvent>& batch) {
  // Read inside the write transaction: another node or process may have appended since.
  auto last = c.query("SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1", {});
  if (!last) return std::unexpected(last.error());
  int64_t id = last->empty() ? 0 : last->front().integer(0);
  std::string prev = last->empty() ? std::string() : last->front().text(1);
  for (auto& e : batch) {
    e.id = ++id;
    e.prev_hash = prev;
    e.hash = chain_hash(e, prev);
    auto s = c.execute(
        "INSERT INTO audit_events (id, at, actor, actor_role, action, outcome, patient_id, "
        "study_uid, resource, "
        "source, user_agent, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?)",
        {e.id, e.at, e.actor, e.actor_role, e.action, e.outcome, e.patient_id, e.study_uid,
         e.resource, e.source, e.user_agent, e.detail, e.prev_hash, e.hash});
    if (!s) return s;
    prev = e.hash;
  }
  return {};
}

Result<std::vector<AuditEvent>> AuditLog::search(const AuditFilter& f) {
  auto c = db_.connect();
  if (!c) return std::unexpected(c.error());
  std::string sql = std::string("SELECT ") + kColumns + " FROM audit_events WHERE 1 = 1";
  std::vector<SqlValue> params;
  auto add = [&](const std::string& value, const char* condition) {
    if (value.empty()) return;
    sql += condition;
    params.emplace_back(value);
  };
  add(f.patient_id, " AND patient_id = ?");
  add(f.actor, " AND actor = ?");
  add(f.action, " AND action = ?");
  add(f.from, " AND at >= ?");
  // "2026-11-23" includes the whole day: compare against the prefix's upper bound.
  if (!f.to.empty()) {
    sql += " AND at <= ?";
    params.emplace_back(f.to + "\x7f");
  }
  sql += " ORDER BY id DESC LIMIT ? OFFSET ?";
  params.emplace_back(f.limit);
  params.emplace_back(f.offset);
  auto rows = (*c)->query(sql, params);
  if (!rows) return std::unexpected(rows.error());
  std::vector<AuditEvent> out;
  out.reserve(rows->size());
  for (const auto& r : *rows) out.push_back(from_row(r));
  return out;
}

Result<ChainReport> AuditLog::verify(const std::function<void(int64_t)>& progress) {
  auto c = db_.connect();
  if (!c) return std::unexpected(c.error());
  ChainReport report;
  std::string prev;
  int64_t expected_id = 0;
  auto s = (*c)->for_each(std::string("SELECT ") + kColumns + " FROM audit_events ORDER BY id", {},
                          [&](const Row& r) {
                            AuditEvent e = from_row(r);
                            ++report.events;
                            ++expected_id;
                            std::string why;
                            if (e.id != expected_id)
                              why = "event " + std::to_string(expected_id) + " is missing";
                            else if (e.prev_hash != prev)
                              why = "its link to the previous event does not match";
                            else if (chain_hash(e, prev) != e.hash)
                              why = "its content does not match its hash";
                            if (!why.empty()) {
                              report.ok = false;
                              report.first_broken_id = e.id;
                              report.reason = why;
                              return false;
                            }
                            prev = e.hash;
                            if (progress && report.events % 10000 == 0) progress(report.events);
                            return true;
                          });
  if (!s) return std::unexpected(s.error());
  return report;
}

}  // namespace vireo::audit
