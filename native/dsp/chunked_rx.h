// Feeding a spandsp receiver whose callback reports events: in 5 ms chunks,
// so that the stream position an event is stamped with is within 5 ms of
// when it happened (spandsp calls back once per block it has analysed).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "channel_dsp.h"

namespace sipline::dsp {

constexpr std::size_t kRxChunkSamples = 40;  // 5 ms

/**
 * Runs feed(chunk, length) over amp[0..n) with `now` set to the stream
 * position just past each chunk and `sink` pointing at events meanwhile, so
 * the callback can stamp and append what it reports. Returns n.
 */
template <typename Feed>
std::size_t rxInChunks(const int16_t* amp, std::size_t n, uint64_t atSample, std::vector<DspEvent>& events, uint64_t& now,
                       std::vector<DspEvent>*& sink, Feed feed) {
  sink = &events;
  for (std::size_t done = 0; done < n;) {
    std::size_t len = std::min(kRxChunkSamples, n - done);
    now = atSample + done + len;
    feed(amp + done, static_cast<int>(len));
    done += len;
  }
  sink = nullptr;
  return n;
}

}  // namespace sipline::dsp
