{
  "targets": [
    {
      "target_name": "calmlog_map",
      "sources": ["map.cc"],
      "cflags_cc": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
