// Fuzz target for the IHE MRRT reader (reporting/mrrt.cpp): an administrator's uploaded file,
// HTML with XML inside, parsed by libxml2 and walked by our own code. Whatever the bytes, it
// must end without a crash; a template it reads must pass the rules of a template as data once
// its code is made valid, and what it writes back must read again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "reporting/mrrt.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view html(reinterpret_cast<const char*>(data), size);
  vireo::reporting::MrrtRead read = vireo::reporting::read_mrrt(html);
  if (read.value.has_value() == !read.refusal.empty()) std::abort();  // one or the other
  if (read.value) {
    for (const auto& s : read.value->sections)
      if (s.key.empty() || s.title.empty()) std::abort();
    vireo::reporting::MrrtRead again = vireo::reporting::read_mrrt(vireo::reporting::write_mrrt(*read.value, "2026-12-06"));
    if (!again.value) std::abort();
  }
  return 0;
}
