#include "events/listen.hpp"

#include <string>

#include "core/log.hpp"

namespace vireo::events {

void listen_until(Database& db, const char* channel, const char* who,
                  const std::function<bool()>& stopping, const std::function<void()>& heard,
                  const std::function<void()>& pause) {
  constexpr std::chrono::milliseconds kWait{250};
  std::unique_ptr<Connection> conn;
  while (!stopping()) {
    if (!conn) {
      auto c = db.connect();
      if (c && (*c)->execute(std::string("LISTEN ") + channel)) {
        conn = std::move(*c);
        heard();
      } else {
        pause();
        continue;
      }
    }
    auto got = conn->wait_for_notification(kWait);
    if (!got) {
      spdlog::warn("{}: {}; listening again", who, got.error().message());
      conn.reset();
    } else if (*got) {
      heard();
    }
  }
}

}  // namespace vireo::events
