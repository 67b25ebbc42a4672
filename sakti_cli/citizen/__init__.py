"""What goes to the citizen: messages and receipts, e-mail, the verification site."""
