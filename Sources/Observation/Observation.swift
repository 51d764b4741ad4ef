// Observation module: see ../shared/design.md. Filled in by its issue.
