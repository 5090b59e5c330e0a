"""The pages' forms: moving into one module per feature, beside the feature's pages."""
