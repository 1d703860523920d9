// Reading a channel's DSP settings and caller ID from JavaScript for the
// card path (same field names as src/hw/dsp.ts DspConfig and CallerId).
#pragma once

#include <napi.h>

#include <string>

#include "dsp/channel_dsp.h"

namespace sipline::card {

/** Throws Napi::TypeError naming `where` and the field. */
dsp::ChannelDspConfig dspConfigFrom(Napi::Env env, Napi::Object obj, const std::string& where);
dsp::CallerId callerIdFrom(Napi::Env env, Napi::Object obj, const std::string& where);
Napi::Object callerIdToJs(Napi::Env env, const dsp::CallerId& id);
const char* dspEventKind(dsp::DspEventKind kind);

}  // namespace sipline::card
