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

// RFC 9112 6.3: without chunked as the last coding the body's length is unknown: 400.
TEST(RequestFraming, ACodingOtherThanChunkedLastIs400) {
  for (const char* te : {"xchunked", "identity", "gzip", "chunked, gzip", "chunked;q=1, deflate"})
    EXPECT_EQ(refusal({{"Transfer-Encoding", te}}), 400) << te;
  EXPECT_EQ(refusal({{"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "gzip"}}), 400)
      << "repeated fields are one list";
}

// RFC 9112 6.1: chunked last, after a coding the server does not understand: 501.
TEST(RequestFraming, AnUnknownCodingBeforeChunkedIs501) {
  EXPECT_EQ(refusal({{"Transfer-Encoding", "gzip, chunked"}}), 501);
  EXPECT_EQ(refusal({{"Transfer-Encoding", "gzip"}, {"Transfer-Encoding", "chunked"}}), 501);
}

// RFC 9112 6.1 and 6.3: a body whose length two readers could disagree on is 400.
TEST(RequestFraming, AmbiguousLengthsAre400) {
  EXPECT_EQ(refusal({{"Transfer-Encoding", "chunked"}, {"Content-Length", "5"}}), 400);
  EXPECT_EQ(refusal({{"Content-Length", "5"}, {"TRANSFER-ENCODING", "chunked"}}), 400);
  EXPECT_EQ(refusal({{"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}}), 400);
  EXPECT_EQ(refusal({{"Transfer-Encoding", "chunked, chunked"}}), 400);
  EXPECT_EQ(refusal({{"Transfer-Encoding", "gzip, chunked, chunked"}}), 400) << "twice anywhere";
  EXPECT_EQ(refusal({{"Transfer-Encoding", ""}}), 400);
  EXPECT_EQ(refusal({{"Transfer-Encoding", "chunked"}}, 10), 400) << "HTTP/1.0 has no chunked bodies";
  // Parameters without a coding: Beast reads "no coding at all" (an empty body) where a
  // lenient reader sees chunked, and the chunks would become the next request.
  EXPECT_EQ(refusal({{"Transfer-Encoding", ";q=1, chunked"}}), 400);
  EXPECT_EQ(refusal({{"Transfer-Encoding", "chunked, ;x"}}), 400);
}

}  // namespace
}  // namespace vireo::http
