"""Pure text logic: normalisation, Vietnamese dates, comparison form, folding."""
