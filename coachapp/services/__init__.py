"""Use cases. Each public function is one transaction: it commits on success, rolls back and raises a
DomainError on refusal. Views and the API call these; they never commit themselves."""
