{
  "targets": [{
    "target_name": "rawsock",
    "sources": ["native/rawsock.c", "native/signals.c"],
    "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
    "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"]
  }]
}
