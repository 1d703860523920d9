// Registers the RTP engine on the addon's exports: RtpEngine, the UDP
// sockets of many calls on one I/O thread (native/rtp/udp_engine.h).
#pragma once

#include <napi.h>

namespace sipline::rtp {
void registerRtp(Napi::Env env, Napi::Object exports);
}
