"""Media storage: the port and its local-disk provider (uploaded images, labels, editorial)."""
