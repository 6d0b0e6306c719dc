"""Events to notices, what a notice says, channels and their delivery."""
