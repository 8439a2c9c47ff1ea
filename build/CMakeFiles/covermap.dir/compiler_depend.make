# Empty compiler generated dependencies file for covermap.
# This may be replaced when dependencies are built.
