#include "api/dicomweb/ups_events.hpp"

#include <algorithm>
#include <charconv>

#include "api/dicomweb/ups_model.hpp"
#include "core/log.hpp"
#include "core/strings.hpp"
#include "ris/orders.hpp"
#include "ris/schedule.hpp"
#include "ris/worklist.hpp"

namespace vireo::api::dicomweb {

namespace {

// The topics after which a booking's workitem may be in another state (ids: appointment).
bool may_change_state(const std::string& topic) {
  static const std::set<std::string> topics{ris::kAppointmentBooked, ris::kPatientArrived,  ris::kPatientNoShow,
                                            ris::kAppointmentCancelled, ris::kExamStarted, ris::kExamAcquired,
                                            ris::kExamDiscontinued};
  return topics.contains(topic);
}

int64_t number(const std::string& text) {
  int64_t n = 0;
  std::from_chars(text.data(), text.data() + text.size(), n);
  return n;
}

// Whether a global or filtered subscription takes `w`: not one made after it was suspended.
bool takes(const ris::WorkitemSubscription& s, const ris::Workitem& w) {
  return s.suspended_at.empty() || w.step.created_at < s.suspended_at;
}

}  // namespace

void WorkitemEvents::start() {
  if (worker_.joinable()) return;
  subscription_ = feed_.subscribe([shared = shared_](const events::LiveEvent& e) {
    std::lock_guard lock(shared->mutex);
    // Nobody listens on this node: nothing to read or tell (except that the node stops).
    if (shared->channels.empty() && !e.closing) return;
    if (shared->queue.size() >= 10000) shared->queue.pop_front();
    shared->queue.push_back(e);
    shared->cv.notify_all();
  });
  worker_ = std::thread([this] { loop(); });
}

void WorkitemEvents::stop() {
  {
    std::lock_guard lock(shared_->mutex);
    if (shared_->stopping && !worker_.joinable()) return;
    shared_->stopping = true;
    shared_->cv.notify_all();
  }
  subscription_.reset();
  if (worker_.joinable()) worker_.join();
  closing();
}

http::EventStreamOpener WorkitemEvents::channel(std::string ae_title) {
  return [shared = shared_, ae = std::move(ae_title)](http::EventSender send) -> std::shared_ptr<void> {
    uint64_t id = 0;
    {
      std::lock_guard lock(shared->mutex);
      if (shared->stopping) {
        send("");
        return nullptr;
      }
      id = ++shared->next;
      shared->channels[id] = {ae, std::move(send)};
    }
    spdlog::info("UPS event channel opened for AE {}", log_safe(ae, 16));
    std::weak_ptr<Shared> weak = shared;
    return std::shared_ptr<void>(nullptr, [weak, id](void*) {
      if (auto s = weak.lock()) {
        std::lock_guard lock(s->mutex);
        s->channels.erase(id);
      }
    });
  };
}

size_t WorkitemEvents::channels() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->channels.size();
}

void WorkitemEvents::loop() {
  for (;;) {
    events::LiveEvent e;
    {
      std::unique_lock lock(shared_->mutex);
      shared_->cv.wait(lock, [&] { return shared_->stopping || !shared_->queue.empty(); });
      if (shared_->stopping) return;
      e = std::move(shared_->queue.front());
      shared_->queue.pop_front();
    }
    if (e.closing) return closing();
    if (e.resync) continue;  // (states are told as they change; a client that missed some searches)
    handle(e.event);
  }
}

void WorkitemEvents::closing() {
  std::map<uint64_t, std::pair<std::string, http::EventSender>> channels;
  {
    std::lock_guard lock(shared_->mutex);
    shared_->stopping = true;
    channels.swap(shared_->channels);
  }
  for (auto& [id, channel] : channels) {
    channel.second(ups::going_down_report(++message_id_));
    channel.second("");
  }
}

std::vector<std::string> WorkitemEvents::open_aes() const {
  std::lock_guard lock(shared_->mutex);
  std::set<std::string> aes;
  for (const auto& [id, channel] : shared_->channels) aes.insert(channel.first);
  return {aes.begin(), aes.end()};
}

void WorkitemEvents::send(const std::set<std::string>& aes, const std::string& text) {
  if (aes.empty()) return;
  std::lock_guard lock(shared_->mutex);
  for (const auto& [id, channel] : shared_->channels)
    if (aes.contains(channel.first)) channel.second(text);
}

std::set<std::string> WorkitemEvents::subscribers_of(const ris::Workitem& w,
                                                     const std::vector<ris::WorkitemSubscription>& subs) {
  std::set<std::string> out;
  for (const auto& s : subs) {
    if (out.contains(s.ae_title)) continue;
    if (s.kind == "workitem" && s.workitem_uid == w.step.workitem_uid) out.insert(s.ae_title);
    if (s.kind == "global" && takes(s, w)) out.insert(s.ae_title);
    if (s.kind == "filtered" && takes(s, w)) {
      auto search = ups::search_of(ups::filter_of(s.filter), items_.zone());
      if (!search || search->nothing) continue;
      search->query.workitem_uid = w.step.workitem_uid;
      auto found = items_.find(search->query);
      if (found && !found->empty()) out.insert(s.ae_title);
    }
  }
  return out;
}

void WorkitemEvents::initial_reports(const std::string& ae, const std::string& kind, const std::string& uid) {
  std::vector<ris::Workitem> covered;
  if (kind == "workitem") {
    auto one = items_.get(uid);
    if (one && *one) covered.push_back(std::move(**one));
  } else {
    // What the worklist holds now: the workitems not ended.
    auto subs = items_.subscriptions_of({ae});
    if (!subs) return;
    for (const auto& s : *subs) {
      if (s.kind != kind) continue;
      auto search = ups::search_of(kind == "filtered" ? ups::filter_of(s.filter) : ups::Parameters{}, items_.zone());
      if (!search || search->nothing) return;
      if (search->query.workitem_states.empty()) search->query.workitem_states = {"SCHEDULED", "IN PROGRESS"};
      auto found = items_.find(search->query);
      if (found) covered = std::move(*found);
    }
  }
  for (const auto& w : covered) send({ae}, ups::state_report(w, ++message_id_));
}

void WorkitemEvents::handle(const events::Event& e) {
  const auto aes = open_aes();
  if (aes.empty()) return;
  if (e.topic == ris::kWorkitemSubscribed) {
    if (std::ranges::find(aes, e.id("ae")) != aes.end()) initial_reports(e.id("ae"), e.id("kind"), e.id("workitem"));
    return;
  }
  std::optional<ris::Workitem> w;
  if (e.topic == ris::kWorkitemCancelRequested) {
    auto found = items_.get(e.id("workitem"));
    if (!found) return spdlog::warn("UPS events: {}", found.error().message());
    w = std::move(*found);
  } else if (may_change_state(e.topic)) {
    auto found = items_.of_appointment(number(e.id("appointment")));
    if (!found) return spdlog::warn("UPS events: {}", found.error().message());
    w = std::move(*found);
  }
  if (!w) return;
  const bool cancel_requested = e.topic == ris::kWorkitemCancelRequested;
  if (!cancel_requested) {
    // One report per change of state, whatever the events behind it (checked in, then started).
    auto& told = last_state_[w->step.workitem_uid];
    if (told == w->state) return;
    told = w->state;
    if (last_state_.size() > 100000) last_state_.clear();
  }
  auto subs = items_.subscriptions_of(aes);
  if (!subs) return spdlog::warn("UPS events: {}", subs.error().message());
  const auto to = subscribers_of(*w, *subs);
  send(to, cancel_requested ? ups::cancel_requested_report(*w, ++message_id_) : ups::state_report(*w, ++message_id_));
}

}  // namespace vireo::api::dicomweb
