#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "annotations/annotations.hpp"
#include "core/clock.hpp"
#include "test_database.hpp"
#include "test_dir.hpp"

namespace vireo::annotations {
namespace {

namespace fs = std::filesystem;

// A deleted study's annotations go when the deletion's event arrives; those saved after the
// deletion (the study received again under its UID) stay, however late the event comes.
TEST(Annotations, ForgettingAStudyKeepsWhatWasSavedAfterItsDeletion) {
  auto dir = testing::fresh_test_dir("vireo-notes");
  {
    auto db = testing::test_database(dir);
    auto writes = testing::started_writes(*db);
    auto notes = Annotations::open(*db, *writes);
    ASSERT_TRUE(notes) << notes.error().message();
    ASSERT_TRUE((*notes)->save("1.2.3", "alice", "[1]"));
    // Timestamps have millisecond resolution: the save, the study's arrival and the deletion
    // each fall in a millisecond of their own, or "before" cannot be told from "at".
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const std::string study_again = utc_now_iso();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_FALSE(*(*notes)->of("1.2.3", "alice", study_again))
        << "saved before the study (of this UID) arrived: a deleted study's, never shown";
    EXPECT_TRUE(*(*notes)->of("1.2.3", "alice", ""));
    ASSERT_TRUE((*notes)->save("1.2.3", "bob", "[2]"));
    ASSERT_TRUE((*notes)->save("1.2.4", "alice", "[3]"));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const std::string deleted_at = utc_now_iso();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_TRUE((*notes)->save("1.2.3", "bob", "[4]"));  // after the deletion
    ASSERT_TRUE((*notes)->forget_study("1.2.3", deleted_at));
    EXPECT_FALSE(*(*notes)->of("1.2.3", "alice", ""));
    auto bob = (*notes)->of("1.2.3", "bob", "");
    ASSERT_TRUE(bob && *bob);
    EXPECT_EQ((*bob)->json, "[4]");
    EXPECT_TRUE(*(*notes)->of("1.2.4", "alice", "")) << "another study is not touched";
    ASSERT_TRUE((*notes)->forget_study("1.2.3", ""));
    EXPECT_FALSE(*(*notes)->of("1.2.3", "bob", ""));
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace vireo::annotations
