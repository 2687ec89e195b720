// Runs a libFuzzer target without libFuzzer: every seed file given on the command line, then
// deterministic mutations of them (bytes flipped, inserted, deleted, repeated): 200,000 in
// `make test`, or for --seconds=N under AddressSanitizer in `make fuzz`. (Debian 12's clang
// 14 cannot compile this code base's std::expected, so libFuzzer needs a newer clang:
// configure with -DVIREO_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++-16 or later.)
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {
uint64_t state = 0x9E3779B97F4A7C15ull;
uint64_t next() {  // xorshift64*: reproducible runs
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545F4914F6CDD1Dull;
}

std::string mutate(std::string s) {
  static const char* interesting[] = {";", "=", "\"", " ", "Bearer ", "vireo_session=", "%", "%00", "?", "&", "\\",
                                      "\x7f", "\xff", "\r\n"};
  int rounds = 1 + static_cast<int>(next() % 6);
  for (int i = 0; i < rounds; ++i) {
    size_t at = s.empty() ? 0 : next() % (s.size() + 1);
    switch (next() % 5) {
      case 0: if (!s.empty() && at < s.size()) s[at] = static_cast<char>(next()); break;
      case 1: s.insert(at, interesting[next() % std::size(interesting)]); break;
      case 2: if (at < s.size()) s.erase(at, 1 + next() % 8); break;
      case 3: if (!s.empty()) s.insert(at, s.substr(0, std::min<size_t>(s.size(), 1 + next() % 64))); break;
      default: s.append(next() % 700, static_cast<char>('A' + next() % 26)); break;
    }
  }
  return s;
}
}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> seeds;
  long seconds = 0;  // --seconds=N: mutate for N seconds instead of a fixed count
  for (int i = 1; i < argc; ++i) {
    std::string arg(argv[i]);
    if (arg.starts_with("--seconds=")) {
      seconds = std::atol(arg.c_str() + 10);
      continue;
    }
    std::filesystem::path p(arg);
    std::vector<std::filesystem::path> files;
    if (std::filesystem::is_directory(p))
      for (const auto& e : std::filesystem::directory_iterator(p)) files.push_back(e.path());
    else
      files.push_back(p);
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  }
  if (seeds.empty()) seeds.emplace_back();
  const size_t corpus = seeds.size();
  for (const auto& s : seeds) LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  long runs = 0;
  for (; seconds > 0 ? std::chrono::steady_clock::now() < deadline : runs < 200000; ++runs) {
    std::string input = mutate(seeds[next() % seeds.size()]);
    // Mutants that grew interesting are kept as seeds, so inputs drift away from the corpus.
    if (runs % 1000 == 0 && input.size() < 4096) seeds.push_back(input);
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  }
  std::cout << runs << " mutations of " << corpus << " seeds ran without a violated property\n";
  return 0;
}
