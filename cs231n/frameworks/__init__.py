"""Our PyTorch and TensorFlow code: the framework notebooks' data, models and training loops."""
