#include "events/outbox.hpp"

namespace vireo::events {

const char* const kDeliveryColumns =
    "id, consumer, topic, ids, created_at, due_at, attempts, last_error, dead";

Delivery delivery_from_row(const Row& r) {
  Delivery d;
  d.id = r.integer(0);
  d.consumer = r.text(1);
  d.event = Event::decode(r.text(2), r.text(3));
  d.created_at = r.integer(4);
  d.due_at = r.integer(5);
  d.attempts = r.integer(6);
  d.last_error = r.text(7);
  d.dead = r.integer(8) != 0;
  return d;
}

const std::vector<Migration>& outbox_migrations() {
  static const std::vector<Migration> migrations = {
      {1,
       "outbox: events on their way to each consumer",
       {
           R"(CREATE TABLE outbox (
                id ${PK},
                consumer TEXT NOT NULL,
                topic TEXT NOT NULL,
                ids TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                due_at INTEGER NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                claimed_by TEXT NOT NULL DEFAULT '',
                claimed_until INTEGER NOT NULL DEFAULT 0,
                last_error TEXT NOT NULL DEFAULT '',
                dead INTEGER NOT NULL DEFAULT 0))",
           // What a dispatcher looks for: live rows of its consumers, oldest due first.
           "CREATE INDEX outbox_due ON outbox (dead, consumer, due_at)",
       }},
      {2,
       "live events: changes every node tells its open screens of",
       {
           "CREATE TABLE live_events (id ${PK}, topic TEXT NOT NULL, ids TEXT NOT NULL, created_at "
           "INTEGER NOT NULL)",
           "CREATE INDEX live_events_by_age ON live_events (created_at)",
       }},
  };
  return migrations;
}

Result<std::unique_ptr<Outbox>> Outbox::open(Database& db, const Clock& clock,
                                             const MigrationProgress& progress) {
  if (auto s = migrate(db, "events", outbox_migrations(), progress); !s) return std::unexpected(s.error());
  return std::unique_ptr<Outbox>(new Outbox(db, clock));
}

void Outbox::route(const std::string& topic, const std::string& consumer) {
  auto& list = routes_[topic];
  if (std::find(list.begin(), list.end(), consumer) == list.end()) list.push_back(consumer);
}

std::vector<std::string> Outbox::consumers_of(const std::string& topic) const {
  auto it = routes_.find(topic);
  return it == routes_.end() ? std::vector<std::string>{} : it->second;
}

void Outbox::broadcast(const std::string& topic) { live_topics_.insert(topic); }

Status Outbox::enqueue(Connection& c, const Event& e) const {
  auto it = routes_.find(e.topic);
  const bool live = live_topics_.contains(e.topic);
  if (it == routes_.end() && !live) return {};
  const int64_t now = clock_.unix_seconds();
  const std::string ids = e.encoded_ids();
  if (it != routes_.end()) {
    for (const auto& consumer : it->second)
      if (auto s = c.execute(
              "INSERT INTO outbox (consumer, topic, ids, created_at, due_at) VALUES (?, ?, ?, ?, "
              "?)",
              {consumer, e.topic, ids, now, now});
          !s)
        return s;
    *enqueued_ = true;
  }
  if (live) {
    auto made = c.query(
        "INSERT INTO live_events (topic, ids, created_at) VALUES (?, ?, ?) RETURNING id",
        {e.topic, ids, now});
    if (!made) return std::unexpected(made.error());
    // The last kLiveEventsKept are kept, whatever the nodes' clocks say: enough for a node to
    // read after a short absence; one that was away longer finds the gap and tells its screens
    // to read everything again (LiveFeed).
    if (auto s = c.execute("DELETE FROM live_events WHERE id <= ?",
                           {(*made)[0].integer(0) - kLiveEventsKept});
        !s)
      return s;
    *live_enqueued_ = true;
  }
  // Other nodes' dispatchers hear of it when the job's transaction commits.
  if (const auto& notify = db_.dialect().notify; !notify.empty())
    if (auto s = c.execute(notify + kOutboxChannel); !s) return s;
  return {};
}

Result<OutboxCounts> Outbox::counts() {
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  auto rows = (*c)->query("SELECT dead, COUNT(*) FROM outbox GROUP BY dead", {});
  if (!rows) return std::unexpected(rows.error());
  OutboxCounts n;
  for (const auto& r : *rows) (r.integer(0) ? n.dead : n.pending) = r.integer(1);
  return n;
}

Result<std::vector<Delivery>> Outbox::dead_letters(int64_t limit, int64_t offset) {
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  auto rows = (*c)->query(std::string("SELECT ") + kDeliveryColumns +
                              " FROM outbox WHERE dead = 1 ORDER BY id DESC LIMIT ? OFFSET ?",
                          {limit, offset});
  if (!rows) return std::unexpected(rows.error());
  std::vector<Delivery> out;
  for (const auto& r : *rows) out.push_back(delivery_from_row(r));
  return out;
}

Status Outbox::retry(Connection& c, int64_t delivery_id) {
  auto rows = c.query("SELECT id FROM outbox WHERE id = ? AND dead = 1", {delivery_id});
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return fail(ErrorCode::NotFound, "no such dead letter");
  return c.execute(
      "UPDATE outbox SET dead = 0, attempts = 0, due_at = ?, claimed_by = '', claimed_until = 0 "
      "WHERE id = ?",
      {clock_.unix_seconds(), delivery_id});
}

Status Outbox::retry(WriteQueue& writes, int64_t delivery_id) {
  auto done = writes.run<bool>([&](Connection& c) -> Result<bool> {
    if (auto s = retry(c, delivery_id); !s) return std::unexpected(s.error());
    return true;
  });
  if (!done) return std::unexpected(done.error());
  return {};
}

}  // namespace vireo::events
