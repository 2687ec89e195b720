// The UPS-RS event channels of this node (PS3.18 11.13, PS3.4 CC.2.4): each WebSocket opened
// for an AE title hears the event reports of the workitems that AE subscribed to, whichever node
// made the change. The changes arrive as the RIS's broadcast events (the live feed, on every
// node); a worker of its own reads the workitem and the subscriptions of the AEs with a channel
// here, and sends:
//   - a State Report when a workitem's Procedure Step State changes (each change in order, once
//     however many events are behind it; the state is the change's, not a later one read back),
//     when a booking moves (a filter may match it now), and on a new subscription the state of
//     what it covers (at most kMaxInitialReports);
//   - a Cancel Requested report to the subscribers of a workitem in progress;
//   - SCP Status Change "GOING DOWN" when the node stops.
// Events are not kept for a channel that is closed (PS3.18 8.10.4: not required); a client
// that reconnects searches for the state again. When this node may have missed changes (the
// feed says so, or its queue overflowed), every channel is closed so that its client does.
// A workitem a filtered subscription matched stays that AE's while its channel is here (PS3.4
// CC.2.3.3: the filter subscribes the AE to the instances it matches), so that a filter on
// SCHEDULED still hears the workitem start and end.
//
// Thread-safety: channel() and the opener it returns may be called from any thread.
// Usage:
//   WorkitemEvents events(items, feed);
//   events.start();                               // after feed.start()
//   res.websocket = events.channel("AI_PIPE");    // in the route's handler
//   events.stop();                                // after feed.stop()
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "events/live_feed.hpp"
#include "net/http/http_types.hpp"
#include "ris/workitems.hpp"

namespace vireo::api::dicomweb {

class WorkitemEvents {
 public:
  WorkitemEvents(ris::Workitems& items, events::LiveFeed& feed) : items_(items), feed_(feed) {}
  ~WorkitemEvents() { stop(); }
  WorkitemEvents(const WorkitemEvents&) = delete;
  WorkitemEvents& operator=(const WorkitemEvents&) = delete;

  void start();
  void stop();
  // The opener of one channel for `ae_title` (HttpResponse::websocket).
  [[nodiscard]] http::EventStreamOpener channel(std::string ae_title);
  [[nodiscard]] size_t channels() const;
  static constexpr size_t kMaxInitialReports = 5000;

 private:
  struct Shared {
    mutable std::mutex mutex;
    std::condition_variable cv;
    std::deque<events::LiveEvent> queue;
    bool stopping = false;
    bool overflowed = false;  // events were dropped: the channels must be told to search again
    std::map<uint64_t, std::pair<std::string, http::EventSender>> channels;  // id → AE, sender
    uint64_t next = 0;
  };
  void loop();
  void handle(const events::Event& e);
  void closing();
  void close_channels();
  // The AEs with a channel here that are subscribed to `w`.
  std::set<std::string> subscribers_of(const ris::Workitem& w, const std::vector<ris::WorkitemSubscription>& subs);
  void send(const std::set<std::string>& aes, const std::string& text);
  [[nodiscard]] std::vector<std::string> open_aes() const;
  void initial_reports(const std::string& ae, const std::string& kind, const std::string& uid);

  ris::Workitems& items_;
  events::LiveFeed& feed_;
  std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();
  std::shared_ptr<void> subscription_;
  std::thread worker_;
  int64_t message_id_ = 0;                                   // the worker's
  std::unordered_map<std::string, std::string> last_state_;  // the worker's: uid → state told
  // The worker's: AE → the workitems its filtered subscription matched.
  std::unordered_map<std::string, std::unordered_set<std::string>> filtered_;
};

}  // namespace vireo::api::dicomweb
