"""Documents: DOCX rendering, PDF conversion (LibreOffice), template checks, info sheets, PDF metadata."""
