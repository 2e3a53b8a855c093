{
  "targets": [
    {
      "target_name": "calmlog_map",
      "sources": ["map.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
