// Event streams through the real HTTP listener on loopback: a reader that stops reading does not
// make the server queue without bound; it is told, once it reads again, to read everything again.
// WebSockets: texts go as messages in order, an empty text closes, a plain GET is told 426.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>
#include <string>

#include "net/http/http_server.hpp"
#include "net/http/http_types.hpp"

namespace vireo::http {
namespace {

// A client socket that reads only when asked, with a small receive window.
struct SlowReader {
  int fd = -1;
  explicit SlowReader(uint16_t port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    int small = 4096;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) ADD_FAILURE() << "connect";
  }
  ~SlowReader() { ::close(fd); }
  void send(const std::string& s) const { EXPECT_EQ(::write(fd, s.data(), s.size()), ssize_t(s.size())); }
  // Everything that arrives until nothing more has for `quiet_ms`, or until `until` is in it.
  std::string drain(int quiet_ms, const std::string& until = {}) const {
    std::string out;
    char buf[65536];
    pollfd p{fd, POLLIN, 0};
    while (::poll(&p, 1, quiet_ms) > 0) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, size_t(n));
      if (!until.empty() && out.find(until) != std::string::npos) break;
    }
    return out;
  }
};

TEST(EventStream, AReaderThatFallsBehindIsToldToReadEverythingAgainAndTheStreamGoesOn) {
  std::mutex m;
  std::condition_variable cv;
  EventSender sender;
  Router router;
  router.add("GET", "/events", "archive.read", [&](const HttpRequest&) {
    HttpResponse res;
    res.content_type = "text/event-stream";
    res.event_stream = [&](EventSender send) {
      std::lock_guard lock(m);
      sender = std::move(send);
      cv.notify_all();
      return std::make_shared<int>(0);
    };
    return res;
  });
  HttpServerOptions options;
  options.port = 0;
  options.threads = 1;
  HttpServer server(options, router);
  ASSERT_TRUE(server.start());
  SlowReader client(server.port());
  client.send("GET /events HTTP/1.1\r\nHost: test\r\n\r\n");
  {
    std::unique_lock lock(m);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return bool(sender); }));
  }
  // Far more than the kernel's buffers and the stream's queue hold, while the reader reads
  // nothing: 1000 changes of 64 KiB.
  const std::string pad(64 * 1024, 'x');
  constexpr int kSent = 1000;
  for (int i = 0; i < kSent; ++i)
    sender("event: change\ndata: {\"n\":" + std::to_string(i) + ",\"pad\":\"" + pad + "\"}\n\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const std::string got = client.drain(1500);
  ASSERT_NE(got.find("200 OK"), std::string::npos) << got.substr(0, 200);
  EXPECT_NE(got.find("event: resync"), std::string::npos) << "never told to read everything again";
  std::vector<int> seen;
  for (size_t at = got.find("{\"n\":"); at != std::string::npos; at = got.find("{\"n\":", at + 1))
    seen.push_back(std::stoi(got.substr(at + 5, 8)));
  EXPECT_LT(seen.size(), size_t(kSent)) << "every change queued: the queue has no bound";
  EXPECT_GT(seen.size(), 0u);
  EXPECT_TRUE(std::ranges::is_sorted(seen)) << "changes out of order";
  EXPECT_EQ(std::ranges::adjacent_find(seen), seen.end()) << "a change told twice";
  // Caught up, the reader hears the next change as it comes.
  sender("event: change\ndata: {\"n\":" + std::to_string(kSent) + "}\n\n");
  const std::string next = client.drain(5000, "{\"n\":1000}");
  EXPECT_NE(next.find("{\"n\":1000}"), std::string::npos) << next.substr(0, 200);
  EXPECT_EQ(next.find("resync"), std::string::npos);
  server.stop();
}

TEST(WebSocket, TextsGoAsMessagesInOrderAnEmptyOneClosesAndAPlainGetIsToldToUpgrade) {
  namespace beast = boost::beast;
  std::mutex m;
  std::condition_variable cv;
  EventSender sender;
  bool dropped = false;
  Router router;
  router.add("GET", "/channel", "archive.read", [&](const HttpRequest&) {
    HttpResponse res;
    res.websocket = [&](EventSender send) {
      std::lock_guard lock(m);
      sender = std::move(send);
      cv.notify_all();
      // Dropped when the connection ends: the subscription goes with it.
      return std::shared_ptr<void>(new int(0), [&](int* p) {
        delete p;
        std::lock_guard held(m);
        dropped = true;
        cv.notify_all();
      });
    };
    return res;
  });
  HttpServerOptions options;
  options.port = 0;
  options.threads = 1;
  HttpServer server(options, router);
  ASSERT_TRUE(server.start());

  SlowReader plain(server.port());
  plain.send("GET /channel HTTP/1.1\r\nHost: test\r\n\r\n");
  const std::string refused = plain.drain(2000, "}");
  EXPECT_NE(refused.find("426"), std::string::npos) << refused.substr(0, 200);
  EXPECT_NE(refused.find("Upgrade: websocket"), std::string::npos) << refused.substr(0, 300);

  boost::asio::io_context io;
  beast::websocket::stream<boost::asio::ip::tcp::socket> ws(io);
  ws.next_layer().connect({boost::asio::ip::make_address("127.0.0.1"), server.port()});
  ws.handshake("test", "/channel");
  {
    std::unique_lock lock(m);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return bool(sender); }));
  }
  for (int i = 0; i < 20; ++i) sender("{\"n\":" + std::to_string(i) + "}");
  for (int i = 0; i < 20; ++i) {
    beast::flat_buffer buffer;
    ws.read(buffer);
    EXPECT_TRUE(ws.got_text());
    EXPECT_EQ(beast::buffers_to_string(buffer.data()), "{\"n\":" + std::to_string(i) + "}");
  }
  ws.write(boost::asio::buffer(std::string("ignored")));  // what the client sends is dropped
  sender("");
  beast::flat_buffer buffer;
  beast::error_code ec;
  ws.read(buffer, ec);
  EXPECT_EQ(ec, beast::websocket::error::closed) << ec.message();
  EXPECT_EQ(ws.reason().code, beast::websocket::close_code::going_away);
  {
    std::unique_lock lock(m);
    EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return dropped; }))
        << "the subscription outlived its connection";
  }
  server.stop();
}

}  // namespace
}  // namespace vireo::http
