package io.bifrost.gateway.config;

/**
 * How strict the gateway is about its set-up.
 */
public enum Mode {
    /** Reads {@code .env}, may generate a throw-away secret, serves the {@code /test} page. */
    DEVELOPMENT,
    /** Refuses to start without a proper {@code JWT_SECRET}; no {@code /test} page. */
    PRODUCTION
}
