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

// The Procedure Step State a booking's workitem is in after the change `topic` says (ids:
// appointment); empty when the topic changes none (a check-in leaves it SCHEDULED).
std::string state_after(const std::string& topic) {
  static const std::map<std::string, std::string> states{
      {ris::kAppointmentBooked, "SCHEDULED"},     {ris::kExamStarted, "IN PROGRESS"},
      {ris::kExamAcquired, "COMPLETED"},
      {ris::kExamDiscontinued, "CANCELED"},       {ris::kAppointmentCancelled, "CANCELED"},
      {ris::kPatientNoShow, "CANCELED"}};
  auto it = states.find(topic);
  return it == states.end() ? std::string() : it->second;
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
    if (shared->queue.size() >= 10000) {
      shared->queue.clear();
      shared->overflowed = true;
    }
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
    bool overflowed = false;
    {
      std::unique_lock lock(shared_->mutex);
      shared_->cv.wait(lock, [&] { return shared_->stopping || !shared_->queue.empty(); });
      if (shared_->stopping) return;
      e = std::move(shared_->queue.front());
      shared_->queue.pop_front();
      overflowed = std::exchange(shared_->overflowed, false);
    }
    if (e.closing) return closing();
    // Changes may have been missed: the clients reconnect and search for the present.
    if (e.resync || overflowed) close_channels();
    if (!e.resync) handle(e.event);
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

void WorkitemEvents::close_channels() {
  std::map<uint64_t, std::pair<std::string, http::EventSender>> channels;
  {
    std::lock_guard lock(shared_->mutex);
    channels.swap(shared_->channels);
  }
  if (!channels.empty()) spdlog::warn("UPS events: changes may have been missed; {} channels closed", channels.size());
  for (auto& [id, channel] : channels) channel.second("");
  filtered_.clear();
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
      auto& matched = filtered_[s.ae_title];
      if (matched.contains(w.step.workitem_uid)) {
        out.insert(s.ae_title);
        continue;
      }
      auto search = ups::search_of(ups::filter_of(s.filter), items_.zone());
      if (!search || search->nothing) continue;
      search->query.workitem_uid = w.step.workitem_uid;
      auto found = items_.find(search->query);
      if (found && !found->empty()) {
        out.insert(s.ae_title);
        if (matched.size() < 100000) matched.insert(w.step.workitem_uid);
      }
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
    // What the worklist holds now: the workitems not ended, a page at a time.
    auto subs = items_.subscriptions_of({ae});
    if (!subs) return;
    for (const auto& s : *subs) {
      if (s.kind != kind) continue;
      auto search = ups::search_of(kind == "filtered" ? ups::filter_of(s.filter) : ups::Parameters{}, items_.zone());
      if (!search || search->nothing) return;
      if (search->query.workitem_states.empty()) search->query.workitem_states = {"SCHEDULED", "IN PROGRESS"};
      search->query.limit = 500;
      for (int64_t from = 0; from < int64_t(kMaxInitialReports); from += search->query.limit) {
        search->query.offset = from;
        auto page = items_.find(search->query);
        if (!page) return spdlog::warn("UPS events: {}", page.error().message());
        for (auto& w : *page) {
          if (kind == "filtered") filtered_[ae].insert(w.step.workitem_uid);
          last_state_[w.step.workitem_uid] = w.state;
          send({ae}, ups::state_report(w, ++message_id_));
        }
        if (std::ssize(*page) < search->query.limit) break;
      }
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
  const bool cancel_requested = e.topic == ris::kWorkitemCancelRequested;
  const bool moved = e.topic == ris::kAppointmentMoved;
  const std::string state = state_after(e.topic);
  if (!cancel_requested && !moved && state.empty()) return;
  auto found = cancel_requested ? items_.get(e.id("workitem")) : items_.of_appointment(number(e.id("appointment")));
  if (!found) return spdlog::warn("UPS events: {}", found.error().message());
  if (!*found) return;
  ris::Workitem& w = **found;
  if (!state.empty()) {
    // The state this change made, in order, once: a claim then at once a completion are two
    // reports, a check-in (still SCHEDULED) none.
    auto& told = last_state_[w.step.workitem_uid];
    if (told == state) return;
    told = state;
    w.state = state;
    if (last_state_.size() > 100000) last_state_.clear();
  }
  auto subs = items_.subscriptions_of(aes);
  if (!subs) return spdlog::warn("UPS events: {}", subs.error().message());
  const auto to = subscribers_of(w, *subs);
  send(to, cancel_requested ? ups::cancel_requested_report(w, ++message_id_) : ups::state_report(w, ++message_id_));
  if (w.state == "COMPLETED" || w.state == "CANCELED")
    for (auto& [ae, matched] : filtered_) matched.erase(w.step.workitem_uid);
}

}  // namespace vireo::api::dicomweb
