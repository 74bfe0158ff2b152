"""The event core of Dân Vận Khéo, with no web server and no database: the CloudEvents envelope, the event
contract's check, the ward registry, webhook signatures, the record vocabulary and the embedded file log, the
text policy. The services (through dvk_platform) and the province's tools (dvk_subscriber) both build on it."""
