// `vireo migrate`: an installation's index to PostgreSQL and its files to an S3 bucket.
#pragma once

#include <string>

#include "app/services.hpp"

namespace vireo::app {

struct MigrateOptions {
  std::string to_database;  // postgresql://...; empty: the index stays where it is
  std::string to_blobs;     // s3://bucket/prefix; empty: the files stay where they are
};

// Exit status: 0 moved and verified, 1 failed or differences found, 2 nothing asked.
int migrate(const Config& config, const MigrateOptions& options);

}  // namespace vireo::app
