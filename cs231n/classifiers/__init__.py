"""The course's models: kNN, linear classifiers, the two-layer, fully connected and conv nets."""
