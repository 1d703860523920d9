{
  "targets": [
    {
      "target_name": "sipline",
      "sources": [
        "native/addon.cc",
        "native/backends/linux_syscalls.cc",
        "native/backends/dahdi_channel.cc",
        "native/backends/sim_kernel.cc",
        "native/card/card_io.cc",
        "native/card/card_addon.cc",
        "native/dsp/binding.cc",
        "native/dsp/caller_id_message.cc",
        "native/dsp/caller_id_rx.cc",
        "native/dsp/caller_id_tx.cc",
        "native/dsp/channel_dsp.cc",
        "native/dsp/dsp_config_js.cc",
        "native/dsp/dtmf_rx.cc",
        "native/dsp/dtmf_tx.cc",
        "native/dsp/echo_canceller.cc",
        "native/dsp/power_meter.cc",
        "native/dsp/tone_rx.cc",
        "native/dsp/tone_tx.cc",
        "native/notify/notify_socket.cc",
        "native/rtp/rtp_addon.cc",
        "native/rtp/udp_engine.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!(node scripts/native-deps.mjs --config-dir)",
        "native"
      ],
      "cflags_cc": [
        "-std=c++17",
        "-Wall",
        "-Wextra",
        "-Wno-unused-parameter",
        "<!@(node scripts/native-deps.mjs --cflags)"
      ],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++1y", "-std=gnu++17"],
      "libraries": [
        "<!@(node scripts/native-deps.mjs --libs)",
        "-lpthread"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_CPP_EXCEPTIONS"
      ]
    }
  ]
}
