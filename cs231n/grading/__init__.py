"""The ``cs231n check`` grader: a student's functions checked against this package's."""
