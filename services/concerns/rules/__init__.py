"""Plain rules of the concerns service: what makes two cases one concern."""
