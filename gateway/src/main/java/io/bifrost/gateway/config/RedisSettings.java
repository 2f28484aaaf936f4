package io.bifrost.gateway.config;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * How to reach the Redis that joins instances into a cluster.
 *
 * @param url        {@code redis://} or {@code rediss://} (TLS), with user, password and database as hosted Redis
 *                   services hand them out
 * @param tlsVerify  how a {@code rediss://} server's certificate is checked
 * @param prefix     prefix of every Redis key and channel, so several apps can share one Redis
 * @param timeout    how long one Redis command may take before the broadcast waiting on it is refused (503)
 * @param instanceId this instance's name in the cluster counts
 */
public record RedisSettings(String url, TlsVerify tlsVerify, String prefix, Duration timeout, String instanceId) {

    /** The default prefix. */
    public static final String DEFAULT_PREFIX = "bifrost:";
    /** The default command timeout. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

    /**
     * How a TLS server certificate is verified.
     */
    public enum TlsVerify {
        /** The certificate chains to a trusted CA and names the host. */
        FULL,
        /** The certificate chains to a trusted CA; the host name is not checked. */
        CA,
        /** No check: what Heroku Redis needs, since it presents a self-signed certificate. */
        NONE;

        /**
         * @return the lowercase name used in {@code REDIS_TLS_VERIFY}
         */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Checks the settings are usable.
     */
    public RedisSettings {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(tlsVerify, "tlsVerify");
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(instanceId, "instanceId");
        String scheme = URI.create(url).getScheme();
        if (!"redis".equals(scheme) && !"rediss".equals(scheme)) {
            throw new IllegalArgumentException("REDIS_URL must start with redis:// or rediss:// (TLS), like"
                    + " redis://:password@host:6379/0");
        }
    }

    /**
     * Settings with the defaults for a URL.
     *
     * @param url        the Redis URL
     * @param instanceId this instance's name
     * @return the settings
     */
    public static RedisSettings of(String url, String instanceId) {
        return new RedisSettings(url, TlsVerify.FULL, DEFAULT_PREFIX, DEFAULT_TIMEOUT, instanceId);
    }

    /**
     * @param newPrefix the prefix
     * @return a copy with that prefix
     */
    public RedisSettings withPrefix(String newPrefix) {
        return new RedisSettings(url, tlsVerify, newPrefix, timeout, instanceId);
    }

    /**
     * @param verify the verification mode
     * @return a copy with that mode
     */
    public RedisSettings withTlsVerify(TlsVerify verify) {
        return new RedisSettings(url, verify, prefix, timeout, instanceId);
    }

    /**
     * @return whether the URL asks for TLS
     */
    public boolean tls() {
        return url.startsWith("rediss:");
    }

    /**
     * Never prints the password.
     *
     * @return a summary for logs
     */
    @Override
    public String toString() {
        URI uri = URI.create(url);
        return uri.getScheme() + "://" + uri.getHost() + ":" + (uri.getPort() < 0 ? 6379 : uri.getPort())
                + (tls() ? " (TLS, verify " + tlsVerify.label() + ")" : "") + ", prefix " + prefix + ", instance "
                + instanceId;
    }
}
