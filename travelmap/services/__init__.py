"""Services: the operations of travelmap. Each takes a Session, may flush, and never commits."""
