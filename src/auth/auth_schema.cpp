#include "auth/auth_service.hpp"

namespace vireo::auth {

const std::vector<Migration>& auth_migrations() {
  static const std::vector<Migration> migrations = {
      {1,
       "identity: users, roles, sessions, tokens, recovery codes, login failures",
       {
           R"(CREATE TABLE users (
                id ${PK},
                username TEXT NOT NULL UNIQUE,
                display_name TEXT NOT NULL DEFAULT '',
                password_hash TEXT NOT NULL,
                disabled INTEGER NOT NULL DEFAULT 0,
                patient_id TEXT NOT NULL DEFAULT '',
                physician_name TEXT NOT NULL DEFAULT '',
                totp_enabled INTEGER NOT NULL DEFAULT 0,
                totp_secret TEXT NOT NULL DEFAULT '',
                totp_pending TEXT NOT NULL DEFAULT '',
                totp_last_step INTEGER NOT NULL DEFAULT 0,
                failed_logins INTEGER NOT NULL DEFAULT 0,
                locked_until INTEGER NOT NULL DEFAULT 0,
                created_at INTEGER NOT NULL,
                password_changed_at INTEGER NOT NULL))",
           R"(CREATE TABLE user_roles (
                user_fk INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                role TEXT NOT NULL,
                PRIMARY KEY (user_fk, role)))",
           R"(CREATE TABLE sessions (
                id ${PK},
                token_hash TEXT NOT NULL UNIQUE,
                user_fk INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                csrf_token TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                last_seen INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                address TEXT NOT NULL DEFAULT '',
                user_agent TEXT NOT NULL DEFAULT '',
                revoked INTEGER NOT NULL DEFAULT 0))",
           "CREATE INDEX sessions_user ON sessions (user_fk)",
           R"(CREATE TABLE api_tokens (
                id ${PK},
                token_hash TEXT NOT NULL UNIQUE,
                user_fk INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                scopes TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL DEFAULT 0,
                last_used INTEGER NOT NULL DEFAULT 0,
                revoked INTEGER NOT NULL DEFAULT 0))",
           "CREATE INDEX api_tokens_user ON api_tokens (user_fk)",
           R"(CREATE TABLE recovery_codes (
                user_fk INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                code_hash TEXT NOT NULL,
                used_at INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (user_fk, code_hash)))",
           R"(CREATE TABLE login_failures (
                id ${PK},
                at INTEGER NOT NULL,
                address TEXT NOT NULL,
                username TEXT NOT NULL))",
           "CREATE INDEX login_failures_address ON login_failures (address, at)",
           "CREATE INDEX login_failures_at ON login_failures (at)",
       }},
      {2,
       "identity: OAuth 2.0 clients (client credentials grant)",
       {
           R"(CREATE TABLE oauth_clients (
                id ${PK},
                client_id TEXT NOT NULL UNIQUE,
                secret_hash TEXT NOT NULL,
                user_fk INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                scopes TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                revoked INTEGER NOT NULL DEFAULT 0))",
           "ALTER TABLE api_tokens ADD COLUMN client_fk INTEGER REFERENCES oauth_clients (id)",
           "CREATE INDEX api_tokens_client ON api_tokens (client_fk)",
       }},
      {3,
       "identity: a password an administrator reset must be changed at the next sign-in",
       {
           "ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0",
       }},
  };
  return migrations;
}

}  // namespace vireo::auth
