"""Siaga rules: behaviour (do the pieces of a stack work together: both ends of a flow, the key a service
uses grants that service, the certificate a listener uses is validated...)."""
