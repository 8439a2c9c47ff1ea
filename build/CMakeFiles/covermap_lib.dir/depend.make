# Empty dependencies file for covermap_lib.
# This may be replaced when dependencies are built.
