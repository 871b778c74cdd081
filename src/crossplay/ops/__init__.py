"""Operations: the recurring jobs, their scheduler, locks and run history."""
