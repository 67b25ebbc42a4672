"""Rules a program can check: requirement files (berkas) and data such as NIK and KK numbers."""
