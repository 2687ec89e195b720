// C-ECHO as a service user (PS3.7 9.1.5): "can we reach this peer, and does it accept us?",
// the question an administrator asks when connecting a modality or a workstation.
//
// Thread-safety: each call opens its own network and association; calls may run concurrently.
#pragma once

#include <string>

#include "net/dimse/dimse_options.hpp"
#include "core/error.hpp"

namespace vireo::net {

// Opens an association from `our_aet` to the peer, sends one C-ECHO and releases it. Returns
// the round trip in milliseconds; PeerUnreachable with the reason (no connection, association
// rejected and why, echo refused) otherwise. Gives up after `timeout_s` at each step.
[[nodiscard]] Result<double> dicom_echo(const std::string& our_aet, const DicomPeer& peer, int timeout_s);

// dcmnet's connect timeout, which is process-wide: every outgoing association (C-ECHO, C-MOVE)
// gives up after it rather than after the operating system's two minutes. Set once at start.
void set_outgoing_connect_timeout(int seconds);

}  // namespace vireo::net
