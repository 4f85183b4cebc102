"""Our dataset machinery: the registry of datasets and the CIFAR-10 splits the notebooks load."""
