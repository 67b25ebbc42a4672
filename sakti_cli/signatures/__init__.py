"""Electronic signatures: keys, signing, checking a PDF's signatures, the demo PKI, revocation, renewal."""
