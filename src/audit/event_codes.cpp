#include "audit/event_codes.hpp"

namespace vireo::audit {

EventCode event_code(std::string_view action) {
  if (action == "login" || action == "logout") return {"110114", "User Authentication"};
  if (action == "refused") return {"110113", "Security Alert"};
  if (action == "export") return {"110106", "Export"};
  if (action.starts_with("dicom-store") || action.starts_with("dicom-move") || action.starts_with("dicom-get"))
    return {"110104", "DICOM Instances Transferred"};
  if (action.starts_with("dicom-association")) return {"110100", "Application Activity"};
  if (action == "query" || action.starts_with("dicom-find")) return {"110112", "Query"};
  if (action.starts_with("dicom-mpps")) return {"110103", "Procedure Record"};
  return {"110110", "Patient Record"};
}

char event_action_code(std::string_view action) {
  if (action == "create" || action == "dicom-store" || action == "dicom-mpps-create") return 'C';
  if (action == "read" || action == "query" || action == "export" || action.starts_with("dicom-find") ||
      action.starts_with("dicom-move") || action.starts_with("dicom-get"))
    return 'R';
  if (action == "update" || action == "dicom-mpps-set") return 'U';
  if (action == "delete") return 'D';
  return 'E';
}

}  // namespace vireo::audit
