#include "net/tsa/tsa_client.hpp"

#include "net/tsa/der_post.hpp"

#include <curl/curl.h>

#include <memory>

namespace vireo::net {

namespace {

constexpr size_t kMaxReply = 1 << 20;  // a token with its certificates is a few kilobytes

struct Reply {
  std::string body;
  bool too_long = false;
};

size_t take(char* data, size_t size, size_t n, void* user) {
  auto* reply = static_cast<Reply*>(user);
  if (reply->body.size() + size * n > kMaxReply) {
    reply->too_long = true;
    return 0;  // stops the transfer
  }
  reply->body.append(data, size * n);
  return size * n;
}

}  // namespace

Result<std::string> post_der(const std::string& url, std::string_view body, const char* request_type,
                             const char* reply_type, const std::string& who, std::chrono::milliseconds timeout) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> c(curl_easy_init(), &curl_easy_cleanup);
  if (!c) return fail(ErrorCode::Internal, "cannot start an HTTP client for " + who);
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(
      curl_slist_append(nullptr, (std::string("Content-Type: ") + request_type).c_str()), &curl_slist_free_all);
  Reply reply;
  curl_easy_setopt(c.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(c.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c.get(), CURLOPT_POST, 1L);
  curl_easy_setopt(c.get(), CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c.get(), CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(c.get(), CURLOPT_WRITEFUNCTION, &take);
  curl_easy_setopt(c.get(), CURLOPT_WRITEDATA, &reply);
  const CURLcode done = curl_easy_perform(c.get());
  if (reply.too_long) return fail(ErrorCode::Unavailable, who + "'s answer is too long");
  if (done != CURLE_OK)
    return fail(ErrorCode::Unavailable, who + " cannot be reached: " +
                                            curl_easy_strerror(done));
  long status = 0;
  curl_easy_getinfo(c.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status != 200)
    return fail(ErrorCode::Unavailable, who + " answered HTTP " + std::to_string(status));
  char* type = nullptr;
  curl_easy_getinfo(c.get(), CURLINFO_CONTENT_TYPE, &type);
  if (!type || std::string_view(type).find(reply_type) == std::string_view::npos)
    return fail(ErrorCode::Unavailable, who + "'s answer is not " + reply_type);
  return std::move(reply.body);
}

Result<std::string> TsaClient::post(std::string_view query_der) const {
  return post_der(url_, query_der, "application/timestamp-query", "application/timestamp-reply",
                  "the time-stamping authority", timeout_);
}

}  // namespace vireo::net
