"""Fault injection for the reliability tests: a hostile news site served on 127.0.0.1
(``server.FaultSite``) and the catalogue of what each of its pages does wrong."""
