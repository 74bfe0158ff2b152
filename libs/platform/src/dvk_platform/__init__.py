"""Shared event platform of the Dân Vận Khéo services.

Only infrastructure lives here: configuration, the CloudEvents envelope, the outbox
and its relay, the bus transports, the consumer with its inbox, errors, service
tokens, health and metrics. Domain code stays in the services.
"""
