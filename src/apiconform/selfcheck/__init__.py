"""Self-check: prove every check catches its planted defect and the correct sandbox raises no alarm."""
