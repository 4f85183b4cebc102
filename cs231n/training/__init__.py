"""Training machinery beyond ``Solver``: schedules, augmentation, hyperparameter search."""
