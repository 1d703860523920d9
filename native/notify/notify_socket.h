// Registers notifySocket on the addon's exports: one datagram to the service
// manager's notification socket (sd_notify(3) protocol, without libsystemd).
#pragma once

#include <napi.h>

namespace sipline::notify {
void registerNotify(Napi::Env env, Napi::Object exports);
}
