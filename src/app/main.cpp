// vireo: the command line. `vireo serve` runs the server; `vireo import` loads folders of
// DICOM files; `vireo check` verifies the archive; `vireo config` documents the settings.
#include <CLI/CLI.hpp>

#include <iostream>

#include "app/services.hpp"
#include "core/log.hpp"
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

  auto* config = cli.add_subcommand("config", "Print every setting with its default and meaning");

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
  bool ok = apply("data_dir", o.data_dir) && apply("http_host", o.http_host) && apply("aet", o.aet) &&
            apply("log_level", o.log_level) &&
            apply("http_port", o.http_port >= 0 ? std::to_string(o.http_port) : "") &&
            apply("dicom_port", o.dicom_port >= 0 ? std::to_string(o.dicom_port) : "");
  if (!ok) return 2;

  init_logging(cfg->log_level);
  dicom::initialize(cfg->log_level);

  if (serve->parsed()) return app::serve(*cfg);
  if (import->parsed()) return app::import_paths(*cfg, import_paths, import_threads);
  if (check->parsed()) return app::check(*cfg, deep, repair);
  return 0;
}
