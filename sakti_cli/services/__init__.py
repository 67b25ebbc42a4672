"""The service definitions (SOP files), their rules and the requirement checks (``periksa``)."""
