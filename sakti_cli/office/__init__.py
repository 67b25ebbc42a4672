"""The office: its workspace and sakti.toml, set-up, the doctor (``kantor periksa``) and the demo."""
