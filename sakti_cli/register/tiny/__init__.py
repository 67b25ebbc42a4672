"""The TinyDB backend of the register: the default, one computer (or a folder every desk mounts)."""
