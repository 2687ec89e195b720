#include "net/dimse/pending_connections.hpp"

namespace vireo::net {

std::optional<uint64_t> PendingConnections::admit(const std::string& address, int watch_fd, Clock::time_point now,
                                                  bool capped) {
  std::lock_guard lock(mutex_);
  if (entries_.size() >= limits_.total) return std::nullopt;
  auto mine = per_address_.try_emplace(address, 0).first;
  if (capped && mine->second >= limits_.per_address) {
    if (mine->second == 0) per_address_.erase(mine);
    return std::nullopt;
  }
  ++mine->second;
  uint64_t ticket = next_ticket_++;
  entries_.emplace(ticket, Entry{address, watch_fd, now + limits_.timeout, false});
  return ticket;
}

bool PendingConnections::release(uint64_t ticket) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(ticket);
  if (it == entries_.end()) return false;
  bool was_cut = it->second.cut;
  auto count = per_address_.find(it->second.address);
  if (count != per_address_.end() && --count->second == 0) per_address_.erase(count);
  entries_.erase(it);
  return was_cut;
}

void PendingConnections::expire(Clock::time_point now, const std::function<void(int)>& cut) {
  std::lock_guard lock(mutex_);
  for (auto& [ticket, e] : entries_) {
    if (e.cut || e.deadline > now) continue;
    e.cut = true;
    cut(e.watch_fd);
  }
}

void PendingConnections::cut_all(const std::function<void(int)>& cut) {
  std::lock_guard lock(mutex_);
  for (auto& [ticket, e] : entries_) {
    if (e.cut) continue;
    e.cut = true;
    cut(e.watch_fd);
  }
}

std::optional<PendingConnections::Clock::time_point> PendingConnections::next_deadline() const {
  std::lock_guard lock(mutex_);
  std::optional<Clock::time_point> first;
  for (const auto& [ticket, e] : entries_)
    if (!e.cut && (!first || e.deadline < *first)) first = e.deadline;
  return first;
}

size_t PendingConnections::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

size_t PendingConnections::from(const std::string& address) const {
  std::lock_guard lock(mutex_);
  auto it = per_address_.find(address);
  return it == per_address_.end() ? 0 : it->second;
}

}  // namespace vireo::net
