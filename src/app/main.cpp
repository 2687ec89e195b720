// vireo: the command line. `vireo serve` runs the server; `vireo import` loads folders of
// DICOM files; `vireo check` verifies the archive; `vireo config` documents the settings.
#include <CLI/CLI.hpp>

#include <iostream>

#include "app/admin_cli.hpp"
#include "app/ris_demo.hpp"
#include "app/migrate.hpp"
#include "app/services.hpp"
#include "core/log.hpp"
#include "dicom/charset.hpp"
#include "dicom/dicom_file.hpp"
#include "net/dimse/dimse_server.hpp"

using namespace vireo;

namespace {

std::filesystem::path default_config_file() {
  if (const char* env = std::getenv("VIREO_CONFIG")) return env;
  if (std::filesystem::exists("vireo.conf")) return "vireo.conf";
  return {};
}

void print_config_reference() {
  std::cout << "# Vireo configuration. Every setting can also be given as an environment variable\n"
               "# VIREO_<KEY> (for example VIREO_HTTP_PORT=8081), which overrides this file, and\n"
               "# some as command-line flags, which override both.\n\n";
  for (const auto& o : config_options()) {
    std::cout << "# " << o.help << "\n" << o.key << " = " << o.default_value << "\n\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  net::prepare_dicom_network();  // before any thread: dcmnet reads it from the environment

  CLI::App cli{"Vireo: a radiology platform (PACS, RIS, reporting) in one server.\n"
               "Configuration: defaults < config file < VIREO_* environment < flags."};
  cli.require_subcommand(1);
  cli.fallthrough();  // so that `vireo serve --config FILE` works as well as `vireo --config FILE serve`
  std::string config_file;
  cli.add_option("-c,--config", config_file, "Configuration file (default: $VIREO_CONFIG, else ./vireo.conf if present)");

  struct Overrides {
    std::string data_dir, http_host, aet, log_level;
    int http_port = -1, dicom_port = -1;
  } o;
  auto add_common = [&](CLI::App* sub) {
    sub->add_option("--data-dir", o.data_dir, "Folder for the index and the blobs (data_dir)");
    sub->add_option("--log-level", o.log_level, "trace, debug, info, warn, error");
  };

  auto* serve = cli.add_subcommand("serve", "Run the server: DICOM (DIMSE) and HTTP (REST API, /healthz, /metrics)");
  add_common(serve);
  serve->add_option("--http-host", o.http_host, "Address to bind HTTP to (http_host)");
  serve->add_option("--http-port", o.http_port, "HTTP port (http_port)")->check(CLI::Range(0, 65535));
  serve->add_option("--dicom-port", o.dicom_port, "DICOM port (dicom_port)")->check(CLI::Range(0, 65535));
  serve->add_option("--aet", o.aet, "The archive's AE title (aet)");

  std::vector<std::string> import_paths;
  int import_threads = 0;
  auto* import = cli.add_subcommand("import", "Import DICOM files and folders (recursively) into the archive");
  add_common(import);
  import->add_option("paths", import_paths, "Files or folders to import")->required();
  import->add_option("-j,--jobs", import_threads, "Parallel import threads (default: one per core)");

  bool deep = false, repair = false;
  auto* check = cli.add_subcommand("check", "Check that every indexed instance has its file and vice versa");
  add_common(check);
  check->add_flag("--deep", deep, "Also re-hash every file against its stored SHA-256");
  check->add_flag("--repair", repair, "Remove orphan files (written but never indexed)");

  app::MigrateOptions mo;
  auto* migrate = cli.add_subcommand(
      "migrate", "Move the index to PostgreSQL and/or the files to an S3 bucket (resumable, verified; the source "
                 "is left as it is)");
  add_common(migrate);
  migrate->add_option("--to-database", mo.to_database, "PostgreSQL URL for every table (postgresql://...)");
  migrate->add_option("--to-blobs", mo.to_blobs,
                      "s3://bucket/prefix for every file (with s3_endpoint, s3_region and the AWS_* credentials)");

  auto* config = cli.add_subcommand("config", "Print every setting with its default and meaning");

  app::UserCommand uc;
  bool create_archive = false;
  auto* user = cli.add_subcommand("user", "Manage user accounts (roles: admin, receptionist, technician, "
                                          "radiologist, referring, billing, patient)");
  add_common(user);
  user->add_flag("--create", create_archive,
                 "Create a new, empty archive in data_dir if there is none (to add its first users before "
                 "the first start)");
  user->require_subcommand(1);
  auto* user_add = user->add_subcommand("add", "Create a user; prints a generated password unless --password-stdin");
  user_add->add_option("username", uc.username, "User name (letters, digits, . _ - @)")->required();
  user_add->add_option("-r,--role", uc.roles, "Role (repeat for several)")->required();
  user_add->add_option("--name", uc.display_name, "Display name");
  user_add->add_option("--patient-id", uc.patient_id, "Patient users: the Patient ID (0010,0020) of their record");
  user_add->add_option("--physician", uc.physician,
                       "Referring physicians: their name as studies carry it (DICOM PN, e.g. SMITH^JOHN)");
  user_add->add_flag("--password-stdin", uc.password_stdin, "Read the password from standard input");
  auto* user_passwd = user->add_subcommand("passwd", "Set a new password (ends the user's sessions)");
  user_passwd->add_option("username", uc.username)->required();
  user_passwd->add_flag("--password-stdin", uc.password_stdin, "Read the password from standard input");
  for (const auto& [name, help] : {std::pair{"disable", "Disable an account (ends its sessions and tokens)"},
                                   std::pair{"enable", "Enable a disabled account"},
                                   std::pair{"unlock", "Lift a lockout after failed sign-ins"},
                                   std::pair{"reset-totp", "Remove a user's TOTP so they set it up again"}})
    user->add_subcommand(name, help)->add_option("username", uc.username)->required();
  user->add_subcommand("list", "List users with roles and state");
  auto* user_roles = user->add_subcommand("roles", "Replace a user's roles (ends their sessions)");
  user_roles->add_option("username", uc.username)->required();
  user_roles->add_option("-r,--role", uc.roles, "Role (repeat for several)")->required();

  app::TokenCommand tc;
  auto* token = cli.add_subcommand("token", "Bearer tokens for scripts, integrations and DICOMweb clients");
  add_common(token);
  token->require_subcommand(1);
  auto* token_create = token->add_subcommand("create", "Create a token for a user; prints it once");
  token_create->add_option("username", tc.username)->required();
  token_create->add_option("--name", tc.name, "What the token is for")->required();
  token_create->add_option("--scope", tc.scopes, "Permission it is limited to (repeat; default: all of the user's)");
  token_create->add_option("--expires-days", tc.expires_days, "Days until it expires (default: never)")
      ->check(CLI::Range(1, 3650));
  auto* token_list = token->add_subcommand("list", "List tokens (all, or one user's)");
  token_list->add_option("username", tc.username);
  auto* token_revoke = token->add_subcommand("revoke", "Revoke a token by id");
  token_revoke->add_option("id", tc.id)->required();

  app::ClientCommand cc;
  auto* client = cli.add_subcommand("client", "OAuth 2.0 clients (client credentials grant) for integrations");
  add_common(client);
  client->require_subcommand(1);
  auto* client_add = client->add_subcommand("add", "Register a client acting as a user; prints its id and secret once");
  client_add->add_option("username", cc.username, "The user the client acts as")->required();
  client_add->add_option("--name", cc.name, "What the client is")->required();
  client_add->add_option("--scope", cc.scopes, "Permission it may ask for (repeat; default: all of the user's)");
  client->add_subcommand("list", "List clients");
  client->add_subcommand("revoke", "Revoke a client and its tokens")->add_option("client_id", cc.client_id)->required();

  auto* audit = cli.add_subcommand("audit", "The audit trail");
  add_common(audit);
  audit->require_subcommand(1);
  audit->add_subcommand("verify", "Check the hash chain; reports the first broken link (exit 1)");

  auto* report = cli.add_subcommand("report", "Signed reports");
  add_common(report);
  report->require_subcommand(1);
  std::string report_file;
  report->add_subcommand("verify", "Check a report PDF: its signature, its chain to the clinic's CA, and that it is "
                                   "a version signed here (exit 1 otherwise)")
      ->add_option("file", report_file)
      ->required();

  auto* demo = cli.add_subcommand(
      "demo", "Fill an empty RIS with demo data: rooms, procedures, 200 patients and their orders");
  add_common(demo);

  auto* access = cli.add_subcommand("access", "Print the route table (permission per route) and the role table as JSON");
  add_common(access);

  CLI11_PARSE(cli, argc, argv);

  if (config->parsed()) {
    print_config_reference();
    return 0;
  }

  auto cfg = load_config(config_file.empty() ? default_config_file() : std::filesystem::path(config_file));
  if (!cfg) {
    std::cerr << "vireo: " << cfg.error().detail << "\n";
    return 2;
  }
  auto apply = [&](const char* key, const std::string& v) -> bool {
    if (v.empty()) return true;
    auto s = apply_setting(*cfg, key, v);
    if (!s) std::cerr << "vireo: " << s.error().detail << "\n";
    return s.has_value();
  };
  bool ok = apply("data_dir", o.data_dir.empty() ? "" : std::filesystem::absolute(o.data_dir).string()) &&
            apply("http_host", o.http_host) && apply("aet", o.aet) &&
            apply("log_level", o.log_level) &&
            apply("http_port", o.http_port >= 0 ? std::to_string(o.http_port) : "") &&
            apply("dicom_port", o.dicom_port >= 0 ? std::to_string(o.dicom_port) : "");
  if (!ok) return 2;

  init_logging(cfg->log_level);
  dicom::initialize(cfg->log_level);
  if (!cfg->default_encoding.empty() && !dicom::known_character_set(cfg->default_encoding)) {
    std::cerr << "vireo: default_encoding: '" << cfg->default_encoding
              << "' is not a character set this archive reads (e.g. ISO_IR 100, ISO_IR 144, GB18030)\n";
    return 2;
  }
  dicom::set_default_character_set(cfg->default_encoding);

  if (serve->parsed()) return app::serve(*cfg);
  if (import->parsed()) return app::import_paths(*cfg, import_paths, import_threads);
  // The administration commands work on an existing archive, and say which: run from another
  // folder (or with another configuration) they would otherwise make and use an empty one.
  const bool admin = check->parsed() || migrate->parsed() || user->parsed() || token->parsed() || client->parsed() ||
                     audit->parsed() || access->parsed() || demo->parsed() || report->parsed();
  if (admin) {
    if (cfg->database_url.empty() && !std::filesystem::exists(cfg->database_path()) &&
        !(user->parsed() && create_archive)) {
      std::cerr << "vireo: there is no archive in " << cfg->data_dir.string()
                << " (no index.sqlite).\nUse the configuration vireo serve uses: --config FILE, VIREO_CONFIG, "
                   "--data-dir or VIREO_DATA_DIR"
                << (user->parsed() ? ", or --create to start a new, empty archive there." : ".") << "\n";
      return 1;
    }
    std::cerr << "vireo: archive in " << cfg->data_dir.string() << (cfg->database_url.empty() ? "" : ", index in PostgreSQL")
              << (cfg->blob_store.empty() ? "" : ", files in " + cfg->blob_store) << "\n";
  }
  if (check->parsed()) return app::check(*cfg, deep, repair);
  if (migrate->parsed()) return app::migrate(*cfg, mo);
  if (admin) {
    auto services = app::open_services(*cfg);
    if (!services) {
      std::cerr << "vireo: " << services.error().message() << "\n";
      return 1;
    }
    if (user->parsed()) {
      uc.action = user->get_subcommands().front()->get_name();
      return app::run_user_command(*services, uc);
    }
    if (token->parsed()) {
      tc.action = token->get_subcommands().front()->get_name();
      return app::run_token_command(*services, tc);
    }
    if (access->parsed()) return app::print_access_model(*services);
    if (demo->parsed()) return app::seed_ris_demo(*services);
    if (client->parsed()) {
      cc.action = client->get_subcommands().front()->get_name();
      return app::run_client_command(*services, cc);
    }
    if (report->parsed()) return app::run_report_verify(*services, report_file);
    return app::run_audit_verify(*services);
  }
  return 0;
}
