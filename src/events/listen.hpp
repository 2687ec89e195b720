// Hearing other nodes' commits on PostgreSQL: LISTEN on a channel from a connection of its own
// (Dialect::notify is what the writers send). Shared by everyone who waits on a channel.
#pragma once

#include <chrono>
#include <functional>

#include "store/database.hpp"

namespace vireo::events {

// Until `stopping()`: `heard()` after each notification, and each time listening (re)starts
// (what came while nobody listened). A lost connection is logged under `who` and opened again
// after `pause(retry)`, which returns early when stopping. Waits in short steps, so that
// stopping is noticed within a quarter of a second.
void listen_until(Database& db, const char* channel, const char* who,
                  const std::function<bool()>& stopping, const std::function<void()>& heard,
                  const std::function<void()>& pause);

}  // namespace vireo::events
