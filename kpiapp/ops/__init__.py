"""Operations: health and readiness answers, Prometheus metrics, structured logs, Sentry."""
