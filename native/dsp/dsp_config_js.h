// Reading a channel's DSP settings and caller ID from JavaScript objects
// (field names as src/hw/dsp.ts DspConfig and CallerId), shared by the Dsp
// handle and the card path so both accept and refuse exactly the same input.
#pragma once

#include <napi.h>

#include <string>

#include "dsp/channel_dsp.h"

namespace sipline::dsp {

/** Each throws Napi::TypeError naming `where` and the field. */
ChannelDspConfig dspConfigFrom(Napi::Env env, Napi::Object obj, const std::string& where);
CallerId callerIdFrom(Napi::Env env, Napi::Object obj, const std::string& where);
CallerIdStandard callerIdStandardFrom(Napi::Env env, const std::string& name, const std::string& where);
Napi::Object callerIdToJs(Napi::Env env, const CallerId& id);

}  // namespace sipline::dsp
