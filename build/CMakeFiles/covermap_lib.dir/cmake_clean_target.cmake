file(REMOVE_RECURSE
  "libcovermap.a"
)
