"""How an application comes in: the form data, the table form, the desk questions, Google Form imports."""
