#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>

#include "core/sha256.hpp"
#include "store/file_cache.hpp"
#include "store/fs_blob_store.hpp"
#include "store/migrations.hpp"
#include "store/sqlite_database.hpp"

namespace vireo {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() : path_(fs::temp_directory_path() / ("vireo-unit-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++))) {
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

TEST(SqliteDatabase, MigrationsApplyOnceAndWalIsOn) {
  TempDir dir;
  SqliteDatabase db(dir.path() / "t.sqlite");
  auto conn = db.connect();
  ASSERT_TRUE(conn);
  std::vector<Migration> m = {{1, "t", {"CREATE TABLE t (id ${PK}, v TEXT)"}},
                              {2, "u", {"CREATE INDEX t_v ON t (v)"}}};
  int calls = 0;
  ASSERT_TRUE(migrate(**conn, db.dialect(), "test", m, [&](auto&&...) { ++calls; }));
  ASSERT_TRUE(migrate(**conn, db.dialect(), "test", m, [&](auto&&...) { ++calls; }));
  EXPECT_EQ(calls, 2);
  auto mode = (*conn)->query("PRAGMA journal_mode", {});
  EXPECT_EQ((*mode)[0].text(0), "wal");
  auto fk = (*conn)->query("PRAGMA foreign_keys", {});
  EXPECT_EQ((*fk)[0].integer(0), 1);
  auto rows = (*conn)->query("INSERT INTO t (v) VALUES (?) RETURNING id", {std::string("x")});
  ASSERT_TRUE(rows);
  EXPECT_EQ((*rows)[0].integer(0), 1);
}

// Acknowledged means durable (DESIGN.md): every connection commits through the WAL with a
// sync per commit. A SIGKILL test cannot see synchronous=NORMAL (the OS keeps the pages);
// a power cut would. So the settings themselves are checked, on every connection.
TEST(SqliteDatabase, EveryConnectionSyncsEachCommitThroughTheWal) {
  TempDir dir;
  SqliteDatabase db(dir.path() / "t.sqlite");
  for (int i = 0; i < 2; ++i) {
    auto conn = db.connect();
    ASSERT_TRUE(conn);
    auto sync = (*conn)->query("PRAGMA synchronous", {});
    ASSERT_TRUE(sync);
    EXPECT_EQ((*sync)[0].integer(0), 2) << "FULL";
    auto mode = (*conn)->query("PRAGMA journal_mode", {});
    EXPECT_EQ((*mode)[0].text(0), "wal");
    auto fk = (*conn)->query("PRAGMA foreign_keys", {});
    EXPECT_EQ((*fk)[0].integer(0), 1);
  }
}

TEST(SqliteDatabase, ErrorsAreResultsNotCrashes) {
  TempDir dir;
  SqliteDatabase db(dir.path() / "t.sqlite");
  auto conn = db.connect();
  auto r = (*conn)->query("SELECT * FROM missing_table", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::DatabaseError);
}

TEST(FsBlobStore, PutIsContentAddressedVerifiedAndRemovable) {
  TempDir dir;
  auto store = FsBlobStore::open(dir.path() / "blobs");
  ASSERT_TRUE(store);
  auto tmp = (*store)->temp_path();
  std::ofstream(tmp) << "hello";
  auto info = (*store)->put_file("1.2.3", "1.2", tmp);
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->sha256, sha256_hex("hello"));
  EXPECT_EQ(info->key, sha256_hex("1.2").substr(0, 4) + "/1.2.3-" + info->sha256.substr(0, 16));
  EXPECT_EQ(info->size, 5u);
  EXPECT_FALSE(fs::exists(tmp));
  EXPECT_TRUE((*store)->verify(info->key, info->sha256));
  std::ofstream(*(*store)->local_path(info->key)) << "HELLO";  // damage it
  auto v = (*store)->verify(info->key, info->sha256);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, ErrorCode::IntegrityError);
  std::vector<std::string> keys;
  ASSERT_TRUE((*store)->for_each_key([&](const std::string& k, int64_t) { keys.push_back(k); }));
  EXPECT_EQ(keys, std::vector<std::string>{info->key});
  EXPECT_TRUE((*store)->remove(info->key));
  EXPECT_FALSE((*store)->local_path(info->key));

  // A writer that hashed the bytes as it wrote them is not made to read them again.
  auto streamed = (*store)->temp_path();
  std::ofstream(streamed) << "streamed bytes";
  auto known = (*store)->put_file("1.2.4", "1.2", streamed, BlobStore::Durability::Deferred, sha256_hex("streamed bytes"));
  ASSERT_TRUE(known);
  EXPECT_EQ(known->sha256, sha256_hex("streamed bytes"));
  EXPECT_EQ(known->size, 14u);
  EXPECT_TRUE((*store)->verify(known->key, known->sha256));
  EXPECT_EQ((*store)->direct_path(known->key), *(*store)->local_path(known->key));
  EXPECT_FALSE((*store)->direct_path("../escape"));
}

TEST(FsBlobStore, ASecondCopyOfAStoredBlobNeverReplacesIt) {
  TempDir dir;
  auto store = FsBlobStore::open(dir.path() / "blobs");
  auto first = (*store)->temp_path();
  std::ofstream(first) << "same bytes";
  auto a = (*store)->put_file("1.2.3", "1.2", first, BlobStore::Durability::Now);
  ASSERT_TRUE(a);
  struct stat before {};
  ASSERT_EQ(::stat((*store)->local_path(a->key)->c_str(), &before), 0);
  auto second = (*store)->temp_path();
  std::ofstream(second) << "same bytes";
  auto b = (*store)->put_file("1.2.3", "1.2", second, BlobStore::Durability::Deferred);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->key, a->key);
  EXPECT_FALSE(fs::exists(second)) << "the second copy is dropped";
  struct stat after {};
  ASSERT_EQ(::stat((*store)->local_path(a->key)->c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino) << "the acknowledged file is the one kept";
}

TEST(FsBlobStore, KeysCannotEscapeTheStore) {
  TempDir dir;
  auto store = FsBlobStore::open(dir.path() / "blobs");
  auto tmp = (*store)->temp_path();
  std::ofstream(tmp) << "x";
  auto r = (*store)->put_file("../../etc/passwd", "1.2", tmp);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument);
  EXPECT_FALSE(fs::exists(tmp)) << "a refused source is removed";
  EXPECT_FALSE((*store)->local_path("../index.sqlite"));
  EXPECT_FALSE((*store)->local_path("abcd/../../index.sqlite"));
  EXPECT_FALSE((*store)->local_path("ABCD/x"));
  EXPECT_FALSE((*store)->remove("/etc/passwd"));
}

TEST(FileCache, KeepsEntriesEvictsTheLeastRecentlyUsedAndForgetsGroups) {
  TempDir dir;
  auto cache = FileCache::open(dir.path() / "c", 3000);
  ASSERT_TRUE(cache);
  auto& c = **cache;
  EXPECT_FALSE(c.get("blob-a", "frame 1"));
  c.put("blob-a", "frame 1", std::string(1000, 'a'));
  c.put("blob-a", "frame 2", std::string(1000, 'b'));
  c.put("blob-b", "frame 1", std::string(1000, 'c'));
  EXPECT_EQ(c.get("blob-a", "frame 1"), std::string(1000, 'a'));
  EXPECT_EQ(c.get("blob-b", "frame 1"), std::string(1000, 'c')) << "groups keep names apart";
  EXPECT_EQ(c.bytes(), 3000u);
  c.put("blob-c", "frame 1", std::string(1000, 'd'));  // over the bound: the least recently used goes
  EXPECT_FALSE(c.get("blob-a", "frame 2"));
  EXPECT_TRUE(c.get("blob-a", "frame 1"));
  EXPECT_EQ(c.bytes(), 3000u);
  c.put("blob-x", "too big", std::string(5000, 'x'));
  EXPECT_FALSE(c.get("blob-x", "too big")) << "an entry larger than the cache is not kept";

  c.drop_group("blob-a");
  EXPECT_FALSE(c.get("blob-a", "frame 1"));
  EXPECT_EQ(c.entries(), 2u);

  // A file removed behind the cache's back is a miss, and a new put brings it back.
  size_t removed = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir.path() / "c"))
    if (e.is_regular_file() && e.path().parent_path().parent_path().parent_path() == dir.path() / "c")
      removed += fs::remove(e.path());
  EXPECT_EQ(removed, 2u);
  EXPECT_FALSE(c.get("blob-b", "frame 1"));
  c.put("blob-b", "frame 1", "again");
  EXPECT_EQ(c.get("blob-b", "frame 1"), "again");

  // Reopened (a restart), it knows its entries, and a smaller bound evicts down to it.
  c.put("blob-c", "frame 1", std::string(1000, 'd'));
  cache->reset();
  auto reopened = FileCache::open(dir.path() / "c", 3000);
  ASSERT_TRUE(reopened);
  EXPECT_EQ((*reopened)->get("blob-b", "frame 1"), "again");
  EXPECT_EQ((*reopened)->entries(), 2u);
  reopened->reset();
  auto smaller = FileCache::open(dir.path() / "c", 500);
  ASSERT_TRUE(smaller);
  EXPECT_LE((*smaller)->bytes(), 500u);
}

TEST(FileCache, AFileHandedToAReaderIsNotEvictedUnderIt) {
  TempDir dir;
  auto cache = FileCache::open(dir.path() / "c", 3000, "test");
  ASSERT_TRUE(cache);
  auto& c = **cache;
  std::ofstream(dir.path() / "c" / "tmp" / "a", std::ios::binary) << std::string(2000, 'a');
  auto held = c.adopt("blob-a", "copy", dir.path() / "c" / "tmp" / "a");
  ASSERT_TRUE(held);
  c.put("blob-x", "frame", std::string(1000, 'x'));
  c.put("blob-y", "frame", std::string(1000, 'y'));  // over the size: the oldest not held goes
  EXPECT_TRUE(fs::exists(*held)) << "the reader's file is still there";
  EXPECT_EQ(c.find("blob-a", "copy"), *held);
  EXPECT_FALSE(c.get("blob-x", "frame"));
  EXPECT_TRUE(c.get("blob-y", "frame"));
  EXPECT_EQ(c.bytes(), 3000u);
}

}  // namespace
}  // namespace vireo
