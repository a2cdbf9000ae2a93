{
  "targets": [{
    "target_name": "rawsock",
    "sources": ["native/rawsock.c", "native/signals.c", "native/offload.c"],
    "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-pthread"],
    "ldflags": ["-pthread"],
    "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"]
  }]
}
