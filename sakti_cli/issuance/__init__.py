"""Issuing letters: the pipeline (context, DOCX, PDF, register steps, signing queue), batches, verification."""
