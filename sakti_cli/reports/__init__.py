"""Reports on the register: the service report of a period, the satisfaction survey; XLSX and PDF."""
