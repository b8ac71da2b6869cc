//! Evaluation analyses on the panel: correlations, reliability, attrition, change across waves, change-score regressions (filled in by its issue).
