#include "api/rest/reauthentication.hpp"

#include <nlohmann/json.hpp>

#include "api/rest/ris_json.hpp"

namespace vireo::api {

std::optional<http::HttpResponse> reauthentication_refused(auth::AuthService& auth, const http::HttpRequest& r,
                                                           const std::string& secret) {
  auto s = auth.reauthenticate(r.principal, secret, r.remote_address);
  if (s) return std::nullopt;
  if (s.error().code == ErrorCode::InvalidArgument)
    return ris_json::invalid({{"reauthentication", "format", s.error().detail}});
  if (s.error().code != ErrorCode::Forbidden) return http::problem(s.error());
  return ris_json::problem_with(403, s.error().detail, s.error().detail, "conflict",
                                nlohmann::json{{"rule", "reauthentication"}});
}

}  // namespace vireo::api
