// The object-store BlobStore against a real S3-compatible server (tests/s3: s3rver on loopback,
// with SigV4 checked and faults on demand), run by ctest's store.s3; and the reading of its
// settings, which needs no server.
#include <gtest/gtest.h>

#include "test_dir.hpp"

#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <set>

#include "core/sha256.hpp"
#include "store/s3_blob_store.hpp"

namespace vireo {
namespace {

namespace fs = std::filesystem;

class Scratch {
 public:
  Scratch() : path_(fs::temp_directory_path() / ("vireo-s3-unit-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++))) {
    fs::create_directories(path_);
  }
  ~Scratch() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }
  fs::path write(const std::string& name, const std::string& bytes) const {
    std::ofstream(path_ / name, std::ios::binary) << bytes;
    return path_ / name;
  }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

using testing::slurp;

// The server's folder (tests/s3/server.sh): its url file, and where faults are switched on.
fs::path server_dir() {
  const char* d = std::getenv("VIREO_TEST_S3_DIR");
  return d ? fs::path(d) : fs::path();
}

class S3StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (server_dir().empty()) GTEST_SKIP() << "no S3 test server given (ctest's store.s3 starts one)";
    std::ifstream in(server_dir() / "url");
    std::getline(in, settings_.endpoint);
    settings_.bucket = "vireo-test";
    settings_.prefix = "unit-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++) + "/";
    settings_.access_key = settings_.secret_key = "S3RVER";
    settings_.max_attempts = 3;
  }
  void TearDown() override {
    fs::remove(server_dir() / "fail");
    fs::remove(server_dir() / "fail-writes");
  }
  std::unique_ptr<S3BlobStore> open(const fs::path& local, S3Settings s) {
    auto store = S3BlobStore::open(std::move(s), local, 64 << 20);
    EXPECT_TRUE(store) << (store ? "" : store.error().message());
    return store ? std::move(*store) : nullptr;
  }
  std::unique_ptr<S3BlobStore> open(const fs::path& local) { return open(local, settings_); }
  static void inject(const char* file, int status) { std::ofstream(server_dir() / file) << status; }

  S3Settings settings_;
  static inline int counter_ = 0;
};

TEST_F(S3StoreTest, PutIsContentAddressedReadableFromAnotherNodeVerifiedAndRemovable) {
  Scratch a, b;
  auto node_a = open(a.path() / "local");
  auto node_b = open(b.path() / "local");  // another node: its own cache, the same bucket
  ASSERT_TRUE(node_a && node_b);
  const std::string bytes = "DICM and then some bytes";
  auto src = a.write("in", bytes);
  auto info = node_a->put_file("1.2.3.4", "1.2.3", src);
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->sha256, sha256_hex(bytes));
  EXPECT_EQ(info->key, blob_key("1.2.3.4", "1.2.3", info->sha256));
  EXPECT_FALSE(fs::exists(src)) << "the received file is moved in, not copied";

  auto path = node_b->local_path(info->key);
  ASSERT_TRUE(path) << path.error().message();
  EXPECT_EQ(slurp(*path), bytes);
  EXPECT_TRUE(node_b->verify(info->key, info->sha256));
  auto st = node_b->stat(info->key);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->size, bytes.size());
  EXPECT_EQ(st->sha256, info->sha256) << "the hash travels with the object as metadata";

  std::set<std::string> keys;
  ASSERT_TRUE(node_b->for_each_key([&](const std::string& k, int64_t) { keys.insert(k); }));
  EXPECT_EQ(keys, std::set<std::string>{info->key});

  ASSERT_TRUE(node_a->remove(info->key));
  EXPECT_EQ(node_a->stat(info->key).error().code, ErrorCode::NotFound);
  Scratch c;
  auto node_c = open(c.path() / "local");
  ASSERT_TRUE(node_c);
  EXPECT_EQ(node_c->local_path(info->key).error().code, ErrorCode::IntegrityError) << "a missing blob is damage";
  EXPECT_FALSE(node_c->local_path("../../etc/passwd"));
}

TEST_F(S3StoreTest, ADamagedLocalCopyIsFetchedAgainAndDamageInTheBucketIsReported) {
  Scratch a;
  auto store = open(a.path() / "local");
  ASSERT_TRUE(store);
  auto info = store->put_file("1.2.3.5", "1.2.3", a.write("in", std::string(5000, 'x')));
  ASSERT_TRUE(info);
  auto local = store->local_path(info->key);
  ASSERT_TRUE(local);
  std::ofstream(*local, std::ios::binary) << "scribbled over";
  EXPECT_TRUE(store->verify(info->key, info->sha256)) << "the bucket's copy is good";
  EXPECT_EQ(slurp(*store->local_path(info->key)), std::string(5000, 'x'));

  // Other bytes under the key in the bucket itself (what a broken disk or a stray writer does).
  auto other = a.write("other", "not the stored instance");
  ASSERT_TRUE(store->client().put_file(info->key, other, 23, sha256_hex("not the stored instance")));
  Scratch b;
  auto fresh = open(b.path() / "local");
  ASSERT_TRUE(fresh);
  auto s = fresh->verify(info->key, info->sha256);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::IntegrityError);
  EXPECT_EQ(fresh->local_path(info->key).error().code, ErrorCode::IntegrityError);
}

TEST_F(S3StoreTest, LargeObjectsGoUpInPartsAndRangesReadOnlyWhatIsAsked) {
  Scratch a;
  auto s = settings_;
  s.multipart_threshold = 3 << 20;
  s.part_size = 1 << 20;
  auto store = open(a.path() / "local", s);
  ASSERT_TRUE(store);
  std::string big(3500000, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 7919) >> 8);
  auto info = store->put_file("1.2.3.6", "1.2.3", a.write("big", big));
  ASSERT_TRUE(info) << info.error().message();
  Scratch b;
  auto reader = open(b.path() / "local", s);
  ASSERT_TRUE(reader);
  auto path = reader->local_path(info->key);
  ASSERT_TRUE(path);
  EXPECT_EQ(slurp(*path), big) << "four parts put together in order";
  auto range = reader->client().get_range(info->key, 1048570, 20);
  ASSERT_TRUE(range);
  EXPECT_EQ(*range, big.substr(1048570, 20));
}

TEST_F(S3StoreTest, APartOfAnObjectIsReadByRangeWithoutKeepingACopy) {
  Scratch a;
  auto writer = open(a.path() / "local");
  ASSERT_TRUE(writer);
  std::string bytes(200000, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>((i * 131) >> 3);
  auto info = writer->put_file("1.2.3.9", "1.2.3", a.write("in", bytes));
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_TRUE(writer->is_local(info->key)) << "the file just stored is kept";
  EXPECT_EQ(*writer->read_range(info->key, 5, 10), bytes.substr(5, 10));

  Scratch b;
  auto reader = open(b.path() / "local");
  ASSERT_TRUE(reader);
  EXPECT_FALSE(reader->is_local(info->key));
  auto part = reader->read_range(info->key, 150000, 4000);
  ASSERT_TRUE(part) << part.error().message();
  EXPECT_EQ(*part, bytes.substr(150000, 4000));
  EXPECT_FALSE(reader->is_local(info->key)) << "a part read leaves no copy behind";
  auto beyond = reader->read_range(info->key, 199990, 20);
  ASSERT_FALSE(beyond);
  auto missing = reader->read_range("abcd/1.2.3.404-0011223344556677", 0, 10);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::IntegrityError);
  EXPECT_FALSE(reader->read_range("../etc/passwd", 0, 10));
}

TEST_F(S3StoreTest, AFailingStoreIsRetriedThenReportedAndNothingIsLeftBehind) {
  Scratch a;
  auto store = open(a.path() / "local");
  ASSERT_TRUE(store);
  inject("fail-writes", 503);
  auto src = a.write("in", "payload");
  auto info = store->put_file("1.2.3.7", "1.2.3", src);
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().code, ErrorCode::Unavailable) << info.error().message();
  EXPECT_NE(info.error().detail.find("503"), std::string::npos) << info.error().detail;
  EXPECT_FALSE(fs::exists(src));
  bool any = false;
  ASSERT_TRUE(store->for_each_key([&](const std::string&, int64_t) { any = true; }));
  EXPECT_FALSE(any) << "no object from a refused write";

  inject("fail-writes", 400);  // a request the store will never take: not worth a retry
  auto refused = store->put_file("1.2.3.7", "1.2.3", a.write("in", "payload"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::Internal) << refused.error().message();

  fs::remove(server_dir() / "fail-writes");
  auto again = store->put_file("1.2.3.7", "1.2.3", a.write("in", "payload"));
  ASSERT_TRUE(again) << "the store is used again as soon as it answers";

  inject("fail", 500);
  Scratch b;
  EXPECT_FALSE(S3BlobStore::open(settings_, b.path() / "local", 1 << 20)) << "a node does not start on a failing store";
}

TEST_F(S3StoreTest, WrongCredentialsOrBucketOrAddressSayWhatToCheck) {
  Scratch a;
  auto wrong_secret = settings_;
  wrong_secret.secret_key = "not the secret";
  auto e = S3BlobStore::open(wrong_secret, a.path() / "l1", 1 << 20);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().detail.find("403"), std::string::npos) << e.error().detail;
  EXPECT_NE(e.error().detail.find("credentials"), std::string::npos) << e.error().detail;

  auto wrong_bucket = settings_;
  wrong_bucket.bucket = "no-such-bucket";
  e = S3BlobStore::open(wrong_bucket, a.path() / "l2", 1 << 20);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().detail.find("NoSuchBucket"), std::string::npos) << e.error().detail;

  auto nowhere = settings_;
  nowhere.endpoint = "http://127.0.0.1:1";
  nowhere.max_attempts = 2;
  e = S3BlobStore::open(nowhere, a.path() / "l3", 1 << 20);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, ErrorCode::Unavailable);
  EXPECT_NE(e.error().detail.find("cannot reach"), std::string::npos) << e.error().detail;
}

TEST_F(S3StoreTest, ObjectsSayWhenTheyWereWrittenAndTheDeepCheckReadsTheBucket) {
  Scratch a;
  auto store = S3BlobStore::open(settings_, a.path() / "local", 1 << 20, "node-a");
  ASSERT_TRUE(store);
  auto info = (*store)->put_file("1.2.3.8", "1.2.3", a.write("in", "written by a"));
  ASSERT_TRUE(info);
  EXPECT_TRUE((*store)->shared());
  const double now = static_cast<double>(std::time(nullptr));
  auto st = (*store)->stat(info->key);
  ASSERT_TRUE(st);
  EXPECT_NEAR(static_cast<double>(st->written_at), now, 120.0);
  int64_t listed_at = 0;
  ASSERT_TRUE((*store)->for_each_key([&](const std::string&, int64_t t) { listed_at = t; }));
  EXPECT_NEAR(static_cast<double>(listed_at), now, 120.0);
  // Gone from the bucket while this node keeps its copy: an ordinary read is served from the
  // copy, the deep check is not fooled by it.
  ASSERT_TRUE((*store)->client().remove(info->key));
  EXPECT_TRUE((*store)->verify(info->key, info->sha256));
  auto deep = (*store)->verify_stored(info->key, info->sha256);
  ASSERT_FALSE(deep);
  EXPECT_EQ(deep.error().code, ErrorCode::IntegrityError);
}

TEST(S3Settings, ReadsTheUrlAndCredentialsAndRefusesWhatCannotWork) {
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  ::unsetenv("AWS_PROFILE");
  Scratch dir;
  auto creds = dir.write("credentials",
                         "[other]\naws_access_key_id = NOPE\n\n[default]\naws_access_key_id = AKID\n"
                         "aws_secret_access_key = s3cr3t\n");
  auto s = parse_s3_settings("s3://my-bucket/vireo/archive", "http://minio:9000/", "eu-west-1", creds);
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->bucket, "my-bucket");
  EXPECT_EQ(s->prefix, "vireo/archive/");
  EXPECT_EQ(s->endpoint, "http://minio:9000");
  EXPECT_EQ(s->region, "eu-west-1");
  EXPECT_EQ(s->access_key, "AKID");
  EXPECT_EQ(s->secret_key, "s3cr3t");

  EXPECT_FALSE(parse_s3_settings("s3://my-bucket", "", "", {})) << "no credentials anywhere";
  EXPECT_FALSE(parse_s3_settings("s3://My_Bucket/x", "", "", creds)) << "not a bucket name";
  EXPECT_FALSE(parse_s3_settings("s3://my-bucket/a b", "", "", creds)) << "a prefix with a space";
  EXPECT_FALSE(parse_s3_settings("s3://my-bucket", "minio:9000", "", creds)) << "an endpoint without a scheme";
  ::setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
  s = parse_s3_settings("s3://my-bucket", "", "", creds);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->access_key, "ENVKEY") << "the environment comes first";
  EXPECT_EQ(s->prefix, "");
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
}

}  // namespace
}  // namespace vireo
