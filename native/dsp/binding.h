// The narrow JavaScript face of the per-channel DSP, for tests and tools:
// a handle that takes whole buffers and returns events.
#pragma once

#include <napi.h>

namespace sipline::dsp {

/** Adds Dsp (the handle class) and the caller ID message codec to exports. */
void RegisterDsp(Napi::Env env, Napi::Object exports);

}  // namespace sipline::dsp
