"""What several processes of one installation agree on through the database they share: the pace of
calls to an outside service, and which process holds a job that must run only once (a lease)."""
