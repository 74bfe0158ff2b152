"""The feed's HTTP API: GET /feed for subscribers' API keys, /keys for the gateway's service tokens. Each operation
describes its refusals with dvk_platform.app.refusals (problem+json, the platform's ProblemDetails)."""
