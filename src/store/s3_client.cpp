#include "store/s3_client.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <tinyxml2.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "core/sha256.hpp"
#include "core/strings.hpp"

namespace fs = std::filesystem;

namespace vireo {

namespace {

const std::string kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// SigV4's canonical query: sorted by name, names and values RFC 3986-encoded, "name=" when empty.
std::string canonical_query(std::vector<std::pair<std::string, std::string>> params) {
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) out += (out.empty() ? "" : "&") + percent_encode(k) + "=" + percent_encode(v);
  return out;
}

bool valid_bucket(const std::string& b) {
  if (b.size() < 3 || b.size() > 63) return false;
  return std::all_of(b.begin(), b.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'; });
}

// What the XML body of an answer says in <name> (an error's Code and Message, an UploadId).
std::string xml_text(const std::string& body, const char* name) {
  tinyxml2::XMLDocument doc;
  if (doc.Parse(body.data(), body.size()) != tinyxml2::XML_SUCCESS || !doc.RootElement()) return {};
  const auto* e = doc.RootElement()->FirstChildElement(name);
  return e && e->GetText() ? e->GetText() : "";
}

// "2026-12-04T23:48:26.000Z" as Unix seconds; 0 when unreadable.
int64_t iso8601_seconds(const std::string& s) {
  std::tm tm{};
  if (::strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) == nullptr) return 0;
  return static_cast<int64_t>(::timegm(&tm));
}

// "Fri, 04 Dec 2026 23:48:34 GMT" (RFC 9110's IMF-fixdate) as Unix seconds; 0 when unreadable.
int64_t http_date_seconds(const std::string& s) {
  std::tm tm{};
  if (::strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S", &tm) == nullptr) return 0;
  return static_cast<int64_t>(::timegm(&tm));
}

void ensure_curl_global() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// One curl handle per thread, reset between requests: its connection cache is kept.
CURL* thread_handle() {
  struct Handle {
    CURL* curl = curl_easy_init();
    ~Handle() { curl_easy_cleanup(curl); }
  };
  thread_local Handle h;
  curl_easy_reset(h.curl);
  return h.curl;
}

}  // namespace

struct S3Client::Request {
  std::string method = "GET";
  std::string key;    // empty: the bucket
  std::string query;  // canonical (canonical_query)
  std::vector<std::string> headers;
  std::string payload_sha256 = kEmptySha256;
  // A body from a file window...
  int upload_fd = -1;
  uint64_t upload_offset = 0, upload_length = 0;
  // ...or from memory.
  std::string body;
  // Where the answer's body goes: a file (and its hash), or memory.
  int download_fd = -1;
  // Set by perform.
  uint64_t sent = 0;
  std::unique_ptr<Sha256> download_hash;
};

struct S3Client::Response {
  long status = 0;
  std::string body;  // unless written to download_fd with a 2xx status
  std::map<std::string, std::string> headers;  // names in lowercase
};

Result<S3Settings> parse_s3_settings(const std::string& url, const std::string& endpoint, const std::string& region,
                                     const fs::path& credentials_file) {
  S3Settings s;
  if (!url.starts_with("s3://")) return fail(ErrorCode::InvalidArgument, "blob_store must look like s3://bucket/prefix");
  std::string rest = url.substr(5);
  auto slash = rest.find('/');
  s.bucket = rest.substr(0, slash);
  s.prefix = slash == std::string::npos ? "" : rest.substr(slash + 1);
  if (!valid_bucket(s.bucket))
    return fail(ErrorCode::InvalidArgument, "blob_store: '" + s.bucket + "' is not a valid bucket name");
  for (char c : s.prefix)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '-' || c == '_' || c == '.'))
      return fail(ErrorCode::InvalidArgument, "blob_store: the prefix may hold letters, digits, '/', '-', '_', '.'");
  if (!s.prefix.empty() && s.prefix.back() != '/') s.prefix += '/';
  s.endpoint = endpoint;
  while (!s.endpoint.empty() && s.endpoint.back() == '/') s.endpoint.pop_back();
  if (!s.endpoint.empty() && !s.endpoint.starts_with("http://") && !s.endpoint.starts_with("https://"))
    return fail(ErrorCode::InvalidArgument, "s3_endpoint must start with http:// or https://");
  s.region = region.empty() ? "us-east-1" : region;

  auto env = [](const char* name) { const char* v = std::getenv(name); return std::string(v ? v : ""); };
  s.access_key = env("AWS_ACCESS_KEY_ID");
  s.secret_key = env("AWS_SECRET_ACCESS_KEY");
  s.session_token = env("AWS_SESSION_TOKEN");
  if (s.access_key.empty() && !credentials_file.empty()) {
    std::ifstream in(credentials_file);
    if (!in) return fail(ErrorCode::InvalidArgument, "cannot read s3_credentials_file " + credentials_file.string());
    std::string profile = env("AWS_PROFILE").empty() ? "default" : env("AWS_PROFILE");
    std::string line, section;
    while (std::getline(in, line)) {
      std::string_view t = trim(line);
      if (t.empty() || t[0] == '#' || t[0] == ';') continue;
      if (t.front() == '[' && t.back() == ']') { section = std::string(trim(t.substr(1, t.size() - 2))); continue; }
      auto eq = t.find('=');
      if (section != profile || eq == std::string_view::npos) continue;
      std::string name(trim(t.substr(0, eq)));
      std::string value(trim(t.substr(eq + 1)));
      if (name == "aws_access_key_id") s.access_key = value;
      if (name == "aws_secret_access_key") s.secret_key = value;
      if (name == "aws_session_token") s.session_token = value;
    }
  }
  if (s.access_key.empty() || s.secret_key.empty())
    return fail(ErrorCode::InvalidArgument,
                "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or s3_credentials_file");
  return s;
}

Result<std::unique_ptr<S3Client>> S3Client::open(S3Settings settings) {
  ensure_curl_global();
  if (settings.part_size < 1024 || settings.multipart_threshold < settings.part_size)
    return fail(ErrorCode::InvalidArgument, "S3 part size must be at least 1 KiB and at most the multipart threshold");
  return std::unique_ptr<S3Client>(new S3Client(std::move(settings)));
}

S3Client::~S3Client() = default;

std::string S3Client::where() const { return "s3://" + settings_.bucket + "/" + settings_.prefix; }

std::string S3Client::url(const std::string& key, const std::string& query) const {
  std::string path = key.empty() ? "" : settings_.prefix + key;
  std::string base = settings_.endpoint.empty()
                         ? "https://" + settings_.bucket + ".s3." + settings_.region + ".amazonaws.com/" + path
                         : settings_.endpoint + "/" + settings_.bucket + "/" + path;
  return query.empty() ? base : base + "?" + query;
}

Result<S3Client::Response> S3Client::perform(Request& r) {
  using namespace std::chrono_literals;
  static thread_local std::minstd_rand jitter(std::random_device{}());
  std::string last_error;
  for (int attempt = 0; attempt < settings_.max_attempts; ++attempt) {
    if (attempt > 0) {
      auto base = std::min<int64_t>(2000, int64_t{100} << (attempt - 1));
      std::this_thread::sleep_for(std::chrono::milliseconds(base / 2 + static_cast<int64_t>(jitter() % (base / 2 + 1))));
    }
    Response res;
    r.sent = 0;
    if (r.download_fd >= 0) {
      if (::ftruncate(r.download_fd, 0) != 0 || ::lseek(r.download_fd, 0, SEEK_SET) != 0)
        return fail(ErrorCode::OutOfResources, std::string("cannot write the downloaded object: ") + std::strerror(errno));
      r.download_hash = std::make_unique<Sha256>();
    }
    CURL* c = thread_handle();
    std::string target = url(r.key, r.query);
    std::string userpwd = settings_.access_key + ":" + settings_.secret_key;
    std::string sigv4 = "aws:amz:" + settings_.region + ":s3";
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, ("x-amz-content-sha256: " + r.payload_sha256).c_str());
    if (!settings_.session_token.empty())
      headers = curl_slist_append(headers, ("x-amz-security-token: " + settings_.session_token).c_str());
    headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
    for (const auto& h : r.headers) headers = curl_slist_append(headers, h.c_str());
    struct Io {
      Request* r;
      Response* res;
      bool write_failed = false;
      int write_errno = 0;
    } io{&r, &res};

    curl_easy_setopt(c, CURLOPT_URL, target.c_str());
    curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4.c_str());
    curl_easy_setopt(c, CURLOPT_USERPWD, userpwd.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, settings_.connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(settings_.stall_timeout_s));
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &io);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, +[](char* p, size_t size, size_t n, void* ud) -> size_t {
      auto* st = static_cast<Io*>(ud);
      std::string_view line(p, size * n);
      if (line.starts_with("HTTP/")) st->res->headers.clear();  // a new answer (after a redirect)
      if (auto colon = line.find(':'); colon != std::string_view::npos)
        st->res->headers[to_lower_ascii(std::string(trim(line.substr(0, colon))))] = std::string(trim(line.substr(colon + 1)));
      return size * n;
    });
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &io);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, +[](char* p, size_t size, size_t n, void* ud) -> size_t {
      auto* st = static_cast<Io*>(ud);
      size_t len = size * n;
      // To the file whatever the status: an error's body is small, and its start is kept in
      // memory too, to be read after the transfer.
      if (st->r->download_fd >= 0) {
        size_t done = 0;
        while (done < len) {
          ssize_t w = ::write(st->r->download_fd, p + done, len - done);
          if (w < 0) {
            st->write_failed = true;
            st->write_errno = errno;
            return 0;
          }
          done += static_cast<size_t>(w);
        }
        st->r->download_hash->update(p, len);
        if (st->res->body.size() < 4096) st->res->body.append(p, std::min<size_t>(len, 4096 - st->res->body.size()));
      } else {
        st->res->body.append(p, len);
      }
      return len;
    });
    if (r.method == "HEAD") {
      curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (r.method == "PUT") {
      curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
      if (r.upload_fd >= 0) {
        curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(r.upload_length));
        curl_easy_setopt(c, CURLOPT_READDATA, &r);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, +[](char* p, size_t size, size_t n, void* ud) -> size_t {
          auto* req = static_cast<Request*>(ud);
          size_t want = static_cast<size_t>(std::min<uint64_t>(size * n, req->upload_length - req->sent));
          if (want == 0) return 0;
          ssize_t got = ::pread(req->upload_fd, p, want, static_cast<off_t>(req->upload_offset + req->sent));
          if (got <= 0) return CURL_READFUNC_ABORT;
          req->sent += static_cast<uint64_t>(got);
          return static_cast<size_t>(got);
        });
        curl_easy_setopt(c, CURLOPT_SEEKDATA, &r);
        curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, +[](void* ud, curl_off_t offset, int origin) -> int {
          auto* req = static_cast<Request*>(ud);
          if (origin != SEEK_SET || offset < 0 || static_cast<uint64_t>(offset) > req->upload_length)
            return CURL_SEEKFUNC_CANTSEEK;
          req->sent = static_cast<uint64_t>(offset);
          return CURL_SEEKFUNC_OK;
        });
      } else {
        curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
        curl_easy_setopt(c, CURLOPT_READDATA, &r);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, +[](char* p, size_t size, size_t n, void* ud) -> size_t {
          auto* req = static_cast<Request*>(ud);
          size_t want = std::min<size_t>(size * n, req->body.size() - req->sent);
          std::memcpy(p, req->body.data() + req->sent, want);
          req->sent += want;
          return want;
        });
      }
    } else if (r.method == "POST") {
      curl_easy_setopt(c, CURLOPT_POST, 1L);
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, r.body.c_str());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    } else if (r.method != "GET") {
      curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r.method.c_str());
    }
    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(headers);
    if (io.write_failed)
      return fail(ErrorCode::OutOfResources,
                  std::string("cannot write the downloaded object: ") + std::strerror(io.write_errno));
    if (rc != CURLE_OK) {
      last_error = std::string("cannot reach the object store: ") + curl_easy_strerror(rc);
      bool transient = rc == CURLE_COULDNT_CONNECT || rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_SEND_ERROR ||
                       rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING || rc == CURLE_PARTIAL_FILE ||
                       rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_SSL_CONNECT_ERROR;
      if (!transient) return fail(ErrorCode::Unavailable, last_error);
      continue;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res.status);
    if (res.status == 500 || res.status == 502 || res.status == 503 || res.status == 504 || res.status == 429 ||
        res.status == 408) {
      std::string code = xml_text(res.body, "Code");
      last_error = "the object store answered " + std::to_string(res.status) + (code.empty() ? "" : " " + code);
      continue;
    }
    return res;
  }
  return fail(ErrorCode::Unavailable, last_error + " (after " + std::to_string(settings_.max_attempts) + " attempts)");
}

namespace {
// A non-2xx answer as an error, with S3's own code and what to check: 404 NotFound; a refusal
// of our credentials or of the bucket Unavailable (an operator fixes it, and the sender's
// retry then succeeds); any other 4xx a request the store will never take (Internal).
Error answer_error(const std::string& what, long status, const std::string& body) {
  std::string code = xml_text(body, "Code");
  std::string message = xml_text(body, "Message");
  std::string text = what + ": the object store answered " + std::to_string(status) + (code.empty() ? "" : " " + code) +
                     (message.empty() ? "" : " (" + message + ")");
  if (status == 404 && code != "NoSuchBucket") return Error{ErrorCode::NotFound, text};
  if (status == 403) text += "; check the credentials and the bucket's permissions";
  if (code == "NoSuchBucket") text += "; check the bucket's name and s3_endpoint";
  if (status >= 400 && status < 500 && status != 403 && code != "NoSuchBucket") return Error{ErrorCode::Internal, text};
  return Error{ErrorCode::Unavailable, text};
}
}  // namespace

Status S3Client::check() {
  Request r;
  r.query = canonical_query({{"list-type", "2"}, {"max-keys", "1"}, {"prefix", settings_.prefix}});
  auto res = perform(r);
  if (!res) return fail(res.error().code, res.error().detail + " at " + url("", ""));
  if (res->status != 200) return std::unexpected(answer_error("listing " + where(), res->status, res->body));
  return {};
}

Status S3Client::put_file(const std::string& key, const fs::path& file, uint64_t size, const std::string& sha256,
                          const std::string& node) {
  std::vector<std::string> metadata = {"Content-Type: application/dicom", "x-amz-meta-sha256: " + sha256};
  if (!node.empty()) metadata.push_back("x-amz-meta-node: " + node);
  if (size > settings_.multipart_threshold) return put_multipart(key, file, size, std::move(metadata));
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(ErrorCode::OutOfResources, "cannot read " + file.string() + ": " + std::strerror(errno));
  Request r;
  r.method = "PUT";
  r.key = key;
  r.upload_fd = fd;
  r.upload_length = size;
  r.payload_sha256 = sha256;
  r.headers = std::move(metadata);
  auto res = perform(r);
  ::close(fd);
  if (!res) return std::unexpected(res.error());
  if (res->status != 200) return std::unexpected(answer_error("storing " + key, res->status, res->body));
  return {};
}

Status S3Client::put_multipart(const std::string& key, const fs::path& file, uint64_t size,
                               std::vector<std::string> metadata) {
  Request start;
  start.method = "POST";
  start.key = key;
  start.query = canonical_query({{"uploads", ""}});
  start.headers = std::move(metadata);
  auto started = perform(start);
  if (!started) return std::unexpected(started.error());
  if (started->status != 200) return std::unexpected(answer_error("starting the upload of " + key, started->status, started->body));
  std::string upload_id = xml_text(started->body, "UploadId");
  if (upload_id.empty()) return fail(ErrorCode::Unavailable, "the object store gave no UploadId for " + key);

  auto abort = [&](Error e) -> Status {
    Request stop;
    stop.method = "DELETE";
    stop.key = key;
    stop.query = canonical_query({{"uploadId", upload_id}});
    (void)perform(stop);  // best effort: a bucket lifecycle rule removes what is left
    return std::unexpected(std::move(e));
  };
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return abort(Error{ErrorCode::OutOfResources, "cannot read " + file.string() + ": " + std::strerror(errno)});
  std::string complete = "<CompleteMultipartUpload>";
  std::vector<char> buffer(1 << 20);
  for (uint64_t offset = 0, part = 1; offset < size; offset += settings_.part_size, ++part) {
    uint64_t length = std::min(settings_.part_size, size - offset);
    Sha256 h;  // each part is signed with its own hash
    for (uint64_t done = 0; done < length;) {
      ssize_t got = ::pread(fd, buffer.data(), static_cast<size_t>(std::min<uint64_t>(buffer.size(), length - done)),
                            static_cast<off_t>(offset + done));
      if (got <= 0) { ::close(fd); return abort(Error{ErrorCode::OutOfResources, "cannot read " + file.string()}); }
      h.update(buffer.data(), static_cast<size_t>(got));
      done += static_cast<uint64_t>(got);
    }
    Request put;
    put.method = "PUT";
    put.key = key;
    put.query = canonical_query({{"partNumber", std::to_string(part)}, {"uploadId", upload_id}});
    put.upload_fd = fd;
    put.upload_offset = offset;
    put.upload_length = length;
    put.payload_sha256 = h.hex_digest();
    auto res = perform(put);
    if (!res) { ::close(fd); return abort(res.error()); }
    if (res->status != 200) { ::close(fd); return abort(answer_error("storing part of " + key, res->status, res->body)); }
    complete += "<Part><PartNumber>" + std::to_string(part) + "</PartNumber><ETag>" + res->headers["etag"] +
                "</ETag></Part>";
  }
  ::close(fd);
  complete += "</CompleteMultipartUpload>";
  Request finish;
  finish.method = "POST";
  finish.key = key;
  finish.query = canonical_query({{"uploadId", upload_id}});
  finish.body = complete;
  finish.payload_sha256 = sha256_hex(complete);
  finish.headers = {"Content-Type: application/xml"};
  auto done = perform(finish);
  if (!done) return abort(done.error());
  // S3 may answer 200 and still fail: the error is then in the body.
  if (done->status != 200 || done->body.find("<Error>") != std::string::npos)
    return abort(answer_error("completing the upload of " + key, done->status == 200 ? 500 : done->status, done->body));
  return {};
}

Result<std::string> S3Client::get_to_file(const std::string& key, const fs::path& file) {
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fail(ErrorCode::OutOfResources, "cannot create " + file.string() + ": " + std::strerror(errno));
  Request r;
  r.key = key;
  r.download_fd = fd;
  auto res = perform(r);
  ::close(fd);
  if (!res) return std::unexpected(res.error());
  if (res->status != 200) return std::unexpected(answer_error("reading " + key, res->status, res->body));
  return r.download_hash->hex_digest();
}

Result<std::string> S3Client::get_range(const std::string& key, uint64_t offset, uint64_t length) {
  if (length == 0) return std::string();
  Request r;
  r.key = key;
  r.headers = {"Range: bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1)};
  auto res = perform(r);
  if (!res) return std::unexpected(res.error());
  if (res->status != 206 && res->status != 200)
    return std::unexpected(answer_error("reading " + key, res->status, res->body));
  if (res->status == 200) return res->body.substr(std::min<size_t>(offset, res->body.size()), length);
  return std::move(res->body);
}

Result<S3Object> S3Client::head(const std::string& key) {
  Request r;
  r.method = "HEAD";
  r.key = key;
  auto res = perform(r);
  if (!res) return std::unexpected(res.error());
  if (res->status != 200) return std::unexpected(answer_error("looking up " + key, res->status, res->body));
  S3Object o;
  o.size = std::strtoull(res->headers["content-length"].c_str(), nullptr, 10);
  o.sha256 = res->headers["x-amz-meta-sha256"];
  o.node = res->headers["x-amz-meta-node"];
  o.last_modified = http_date_seconds(res->headers["last-modified"]);
  return o;
}

Status S3Client::remove(const std::string& key) {
  Request r;
  r.method = "DELETE";
  r.key = key;
  auto res = perform(r);
  if (!res) return std::unexpected(res.error());
  if (res->status != 204 && res->status != 200 && res->status != 404)
    return std::unexpected(answer_error("deleting " + key, res->status, res->body));
  return {};
}

Status S3Client::list(const std::function<void(const S3Listed&)>& fn) {
  std::string token;
  while (true) {
    std::vector<std::pair<std::string, std::string>> params = {{"list-type", "2"}, {"prefix", settings_.prefix}};
    if (!token.empty()) params.emplace_back("continuation-token", token);
    Request r;
    r.query = canonical_query(params);
    auto res = perform(r);
    if (!res) return std::unexpected(res.error());
    if (res->status != 200) return std::unexpected(answer_error("listing " + where(), res->status, res->body));
    tinyxml2::XMLDocument doc;
    if (doc.Parse(res->body.data(), res->body.size()) != tinyxml2::XML_SUCCESS || !doc.RootElement())
      return fail(ErrorCode::Unavailable, "the object store's listing is not readable XML");
    const auto* root = doc.RootElement();
    for (const auto* c = root->FirstChildElement("Contents"); c; c = c->NextSiblingElement("Contents")) {
      auto text = [&](const char* name) {
        const auto* e = c->FirstChildElement(name);
        return std::string(e && e->GetText() ? e->GetText() : "");
      };
      std::string key = text("Key");
      if (!key.starts_with(settings_.prefix)) continue;
      fn(S3Listed{key.substr(settings_.prefix.size()), std::strtoull(text("Size").c_str(), nullptr, 10),
                  iso8601_seconds(text("LastModified"))});
    }
    const auto* truncated = root->FirstChildElement("IsTruncated");
    const auto* next = root->FirstChildElement("NextContinuationToken");
    if (!truncated || !truncated->GetText() || std::string(truncated->GetText()) != "true" || !next || !next->GetText())
      return {};
    token = next->GetText();
  }
}

}  // namespace vireo
