// The capabilities resource (PS3.18 8.9): OPTIONS /dicom-web describes every DICOMweb
// resource this server has, with its methods and media types, as WADL, generated from the
// route table so that it cannot drift from what is served.
#include "api/dicomweb/routes.hpp"
#include "core/strings.hpp"

namespace vireo::api::dicomweb {

namespace {

using http::HttpRequest;
using http::HttpResponse;

// PS3.18 service names and representations by resource shape.
std::pair<std::string, std::vector<std::string>> describe(const std::string& method, const std::string& path) {
  auto ends = [&](const char* s) { return path.ends_with(s); };
  if (method == "POST") return {"StoreInstances", {"application/dicom+json"}};
  if (ends("/metadata")) return {"RetrieveMetadata", {"application/dicom+json"}};
  if (ends("/rendered")) return {"RetrieveRendered", {"image/jpeg", "image/png"}};
  if (ends("/thumbnail")) return {"RetrieveThumbnail", {"image/jpeg", "image/png"}};
  const std::vector<std::string> frame_types = {
      "multipart/related; type=\"application/octet-stream\"", "multipart/related; type=\"image/jls\"",
      "multipart/related; type=\"image/jpeg\"", "multipart/related; type=\"image/dicom-rle\"",
      "multipart/related; type=\"image/jp2\""};
  if (path.find("/frames/") != std::string::npos) return {"RetrieveFrames", frame_types};
  if (ends("/pixeldata")) return {"RetrievePixelData", frame_types};
  if (path.find("/bulkdata/") != std::string::npos)
    return {"RetrieveBulkdata", {"multipart/related; type=\"application/octet-stream\""}};
  if (ends("/studies")) return {"SearchForStudies", {"application/dicom+json"}};
  if (ends("/series")) return {"SearchForSeries", {"application/dicom+json"}};
  if (ends("/instances")) return {"SearchForInstances", {"application/dicom+json"}};
  if (path == "/wado") return {"RetrieveWADO-URI", {"application/dicom", "image/jpeg", "image/png"}};
  return {"RetrieveInstances", {"multipart/related; type=\"application/dicom\""}};
}

}  // namespace

void register_capabilities_route(http::Router& router, const Options& options) {
  const Options o = options;
  const http::Router* table = &router;
  router.add("OPTIONS", "/dicom-web", "authenticated", [table, o](const HttpRequest& r) {
    std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<application xmlns=\"http://wadl.dev.java.net/2009/02\">\n"
                    "  <resources base=\"" + xml_escape(service_root(r, o)) + "\">\n";
    for (const auto& route : table->routes()) {
      if (!route.pattern.starts_with("/dicom-web/") || route.method == "OPTIONS") continue;
      auto [id, types] = describe(route.method, route.pattern);
      x += "    <resource path=\"" + xml_escape(route.pattern.substr(11)) + "\">\n      <method name=\"" + route.method +
           "\" id=\"" + id + "\">\n        <response status=\"200\">\n";
      for (const auto& t : types) x += "          <representation mediaType=\"" + xml_escape(t) + "\"/>\n";
      x += "        </response>\n      </method>\n    </resource>\n";
    }
    x += "  </resources>\n</application>\n";
    HttpResponse res;
    res.content_type = "application/vnd.sun.wadl+xml";
    res.body = std::move(x);
    res.headers.emplace_back("Allow", "GET, POST, OPTIONS");
    return res;
  });
}

}  // namespace vireo::api::dicomweb
