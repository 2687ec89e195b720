#include <gtest/gtest.h>

#include "net/http/request_head.hpp"

namespace vireo::http {
namespace {

using Fields = std::vector<std::pair<std::string_view, std::string_view>>;

int refusal(const Fields& fields, unsigned version = 11) {
  auto r = check_framing(fields, version);
  if (r) {
    EXPECT_FALSE(r->detail.empty());
  }
  return r ? r->status : 0;
}

TEST(RequestFraming, ChunkedAloneOrAContentLengthPass) {
  EXPECT_EQ(refusal({}), 0);
  EXPECT_EQ(refusal({{"Content-Length", "12"}}), 0);
  EXPECT_EQ(refusal({{"Transfer-Encoding", "chunked"}}), 0);
  EXPECT_EQ(refusal({{"transfer-encoding", " Chunked "}}), 0) << "names and codings are case-insensitive";
  EXPECT_EQ(refusal({{"Transfer-Encoding", ", chunked,"}}), 0) << "RFC 9110 5.6.1: empty list elements are ignored";
}

// RFC 9112 6.1: a coding the server does not understand is 501 (the connection is closed).
TEST(RequestFraming, UnknownCodingsAre501) {
  for (const char* te : {"xchunked", "identity", "gzip", "chunked, gzip", "gzip, chunked", "chunked;q=1, deflate"})
    EXPECT_EQ(refusal({{"Transfer-Encoding", te}}), 501) << te;
  EXPECT_EQ(refusal({{"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "gzip"}}), 501)
      << "repeated fields are one list";
}

// RFC 9112 6.1 and 6.3: a body whose length two readers could disagree on is 400.
TEST(RequestFraming, AmbiguousLengthsAre400) {
  EXPECT_EQ(refusal({{"Transfer-Encoding", "chunked"}, {"Content-Length", "5"}}), 400);
  EXPECT_EQ(refusal({{"Content-Length", "5"}, {"TRANSFER-ENCODING", "chunked"}}), 400);
  EXPECT_EQ(refusal({{"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}}), 400);
  EXPECT_EQ(refusal({{"Transfer-Encoding", "chunked, chunked"}}), 400);
  EXPECT_EQ(refusal({{"Transfer-Encoding", ""}}), 400);
  EXPECT_EQ(refusal({{"Transfer-Encoding", "chunked"}}, 10), 400) << "HTTP/1.0 has no chunked bodies";
}

}  // namespace
}  // namespace vireo::http
