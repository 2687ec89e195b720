#include <gtest/gtest.h>

#include "archive/query.hpp"
#include "store/pg_database.hpp"
#include "store/sqlite_database.hpp"

namespace vireo::archive {
namespace {

const Dialect& kSqlite = SqliteDatabase("unused.sqlite").dialect();

TEST(Range, DatesAndTimes) {
  auto r = parse_range("20240101-20240131", Match::Date);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->lower, "20240101");
  EXPECT_EQ(r->upper, "20240131");
  r = parse_range("-20240131", Match::Date);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->lower, "");
  EXPECT_EQ(r->upper, "20240131");
  r = parse_range("20240101-", Match::Date);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->lower, "20240101");
  EXPECT_EQ(r->upper, "");
  r = parse_range("2024.01.05", Match::Date);  // ACR-NEMA form
  ASSERT_TRUE(r);
  EXPECT_EQ(r->lower, "20240105");
  EXPECT_EQ(r->upper, "20240105");
  r = parse_range("1015", Match::Time);  // a partial time covers its whole minute
  ASSERT_TRUE(r);
  EXPECT_EQ(r->lower, "1015");
  EXPECT_LT(std::string("101559.999"), r->upper);
  EXPECT_GT(std::string("101600"), r->upper);
  for (const char* bad : {"2024", "20240101-2024", "-", "abc", "2024-01-01x"}) EXPECT_FALSE(parse_range(bad, Match::Date)) << bad;
  EXPECT_FALSE(parse_range("1", Match::Time));
}

TEST(Glob, DicomWildcardsBecomeGlobWithBracketsEscaped) {
  const Dialect& sqlite = SqliteDatabase("unused.sqlite").dialect();
  const Dialect& pg = PgDatabase("").dialect();
  EXPECT_EQ(sqlite.wildcard_parameter("SM?TH*"), "SM?TH*");
  EXPECT_EQ(sqlite.wildcard_parameter("A[1]*"), "A[[]1[]]*");
  EXPECT_EQ(sqlite.wildcard_condition("c"), "c GLOB ?");
  EXPECT_EQ(pg.wildcard_parameter("SM?TH*"), "SM_TH%");
  EXPECT_EQ(pg.wildcard_parameter("50%_a\\b*"), "50\\%\\_a\\\\b%");
  EXPECT_EQ(pg.wildcard_condition("c"), "c LIKE ?");
}

TEST(BuildSelect, UidListsRangesAndNamesBecomeIndexedConditions) {
  std::vector<QueryKey> keys = {{tag::kStudyInstanceUID, "1.2.3\\1.2.4"},
                                {tag::kStudyDate, "20240101-"},
                                {tag::kPatientName, "müller*"},
                                {tag::kModalitiesInStudy, "CT\\MR"},
                                {tag::kStudyDescription, ""},
                                {tag::kSOPInstanceUID, "9.9"}};  // below STUDY: ignored
  auto q = build_select(kSqlite, Level::Study, keys, Scope::everything(), "st.study_uid", 10, 20);
  ASSERT_TRUE(q) << q.error().message();
  EXPECT_NE(q->sql.find("st.study_uid IN (?, ?)"), std::string::npos) << q->sql;
  EXPECT_NE(q->sql.find("st.study_date >= ?"), std::string::npos);
  EXPECT_NE(q->sql.find("p.patient_name_norm GLOB ?"), std::string::npos);
  EXPECT_NE(q->sql.find("sm.modality IN (?, ?)"), std::string::npos);
  EXPECT_EQ(q->sql.find("sop_instance_uid"), std::string::npos);
  EXPECT_NE(q->sql.find("LIMIT ? OFFSET ?"), std::string::npos);
  EXPECT_EQ(std::get<std::string>(q->params[3]), "MULLER*");
  EXPECT_EQ(q->params.size(), 8u);  // 2 UIDs, date, name, 2 modalities, limit, offset
}

// Both ends of a range bound the match; an open end adds no condition.
TEST(BuildSelect, DateRangesBoundBothEnds) {
  auto closed = build_select(kSqlite, Level::Study, {{tag::kStudyDate, "20040101-20041231"}}, Scope::everything(), "st.id");
  ASSERT_TRUE(closed) << closed.error().message();
  EXPECT_NE(closed->sql.find("st.study_date >= ?"), std::string::npos) << closed->sql;
  EXPECT_NE(closed->sql.find("st.study_date <= ?"), std::string::npos) << closed->sql;
  ASSERT_EQ(closed->params.size(), 2u);
  EXPECT_EQ(std::get<std::string>(closed->params[0]), "20040101");
  EXPECT_EQ(std::get<std::string>(closed->params[1]), "20041231");
  auto until = build_select(kSqlite, Level::Study, {{tag::kStudyDate, "-20041231"}}, Scope::everything(), "st.id");
  ASSERT_TRUE(until);
  EXPECT_EQ(until->sql.find(">="), std::string::npos) << until->sql;
  EXPECT_NE(until->sql.find("st.study_date <= ?"), std::string::npos) << until->sql;
}

TEST(BuildSelect, NestedKeysMatchTheirOwnColumnNotTheTopLevelTag) {
  auto q = build_select(kSqlite, Level::Series,
                        {{tag::kRequestedProcedureID, "RP*", tag::kRequestAttributesSequence},
                         {tag::kScheduledProcedureStepID, "SPS-1"}},  // top level: not a series key
                        Scope::everything(), "se.series_uid");
  ASSERT_TRUE(q) << q.error().message();
  EXPECT_NE(q->sql.find("se.request_rp_id GLOB ?"), std::string::npos) << q->sql;
  EXPECT_EQ(q->sql.find("request_sps_id"), std::string::npos) << q->sql;
}

TEST(BuildSelect, InvalidKeysAreInvalidQueries) {
  auto q = build_select(kSqlite, Level::Study, {{tag::kStudyInstanceUID, "1.2.x"}}, Scope::everything(), "st.id");
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().code, ErrorCode::InvalidQuery);
  EXPECT_FALSE(build_select(kSqlite, Level::Study, {{tag::kStudyDate, "yesterday"}}, Scope::everything(), "st.id"));
}

TEST(BuildSelect, ResultsAreOrderedByIndexedAttributesThenArrival) {
  auto q = build_select(kSqlite, Level::Study, {}, Scope::everything(), "st.id", 0, 0,
                        {{tag::kStudyDate, true}, {tag::kPatientName, false}});
  ASSERT_TRUE(q) << q.error().message();
  EXPECT_NE(q->sql.find("ORDER BY st.study_date DESC, p.patient_name_norm, st.id"), std::string::npos) << q->sql;
  auto plain = build_select(kSqlite, Level::Study, {}, Scope::everything(), "st.id");
  EXPECT_NE(plain->sql.find("ORDER BY st.id"), std::string::npos);
  // Multi-valued, below the level, or not indexed: refused, not ignored.
  EXPECT_FALSE(build_select(kSqlite, Level::Study, {}, Scope::everything(), "st.id", 0, 0, {{tag::kModalitiesInStudy}}));
  EXPECT_FALSE(build_select(kSqlite, Level::Study, {}, Scope::everything(), "st.id", 0, 0, {{tag::kSeriesNumber}}));
  EXPECT_FALSE(build_select(kSqlite, Level::Study, {}, Scope::everything(), "st.id", 0, 0, {{0x00181030}}));
}

TEST(BuildSelect, UniversalMatchAddsNoCondition) {
  auto q = build_select(kSqlite, Level::Patient, {{tag::kPatientName, "*"}, {tag::kPatientID, ""}}, Scope::everything(), "p.id");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->sql.find("WHERE"), std::string::npos);
}

}  // namespace
}  // namespace vireo::archive
