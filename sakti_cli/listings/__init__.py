"""The register as the office reads it: filtered listings of letters and applications, their exports, the agenda."""
