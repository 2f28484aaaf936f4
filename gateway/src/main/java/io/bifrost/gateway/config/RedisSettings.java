package io.bifrost.gateway.config;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * How to reach the Redis that joins instances into a cluster.
 *
 * @param url        {@code redis://} or {@code rediss://} (TLS), with user, password and database as hosted Redis
 *                   services hand them out; for a Redis Cluster, one or more seed nodes separated by commas; for
 *                   Sentinel, {@code redis-sentinel://host:port[,host:port...]#primary-name}
 * @param tlsVerify  how a {@code rediss://} server's certificate is checked
 * @param prefix     prefix of every Redis key and channel, so several apps can share one Redis
 * @param timeout    how long one Redis command may take before the broadcast waiting on it is refused (503)
 * @param instanceId this instance's name in the cluster counts
 * @param cluster    whether the URL names a Redis Cluster ({@code BIFROST_REDIS_CLUSTER=true}): sharded pub/sub, and
 *                   every key a channel's scripts touch hashed to the channel's slot
 */
public record RedisSettings(String url, TlsVerify tlsVerify, String prefix, Duration timeout, String instanceId,
                            boolean cluster) {

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
        List<String> seeds = seeds(url);
        for (String seed : seeds) {
            String scheme = URI.create(seed).getScheme();
            boolean sentinel = "redis-sentinel".equals(scheme) || "rediss-sentinel".equals(scheme);
            if (sentinel && cluster) {
                throw new IllegalArgumentException("a redis-sentinel:// URL names a primary watched by Sentinel, not a"
                        + " Redis Cluster: unset BIFROST_REDIS_CLUSTER, or give the cluster's nodes as redis:// URLs");
            }
            if (!"redis".equals(scheme) && !"rediss".equals(scheme) && !sentinel) {
                throw new IllegalArgumentException("REDIS_URL must start with redis:// or rediss:// (TLS), like"
                        + " redis://:password@host:6379/0, or redis-sentinel:// for Sentinel");
            }
        }
        if (seeds.size() > 1 && !cluster) {
            throw new IllegalArgumentException("REDIS_URL lists " + seeds.size() + " URLs: that is a Redis Cluster's"
                    + " seed nodes, so set BIFROST_REDIS_CLUSTER=true (for Sentinel, list the sentinels inside one"
                    + " redis-sentinel://host1:26379,host2:26379#primary-name URL)");
        }
    }

    /**
     * The settings of an instance on one Redis (not a cluster).
     */
    public RedisSettings(String url, TlsVerify tlsVerify, String prefix, Duration timeout, String instanceId) {
        this(url, tlsVerify, prefix, timeout, instanceId, false);
    }

    /**
     * @param url a {@code REDIS_URL}
     * @return its URLs: a cluster's seed nodes are separated by commas (a Sentinel URL is one URL, commas and all)
     */
    public static List<String> seeds(String url) {
        if (url.startsWith("redis-sentinel:") || url.startsWith("rediss-sentinel:")) {
            return List.of(url.trim());
        }
        return Arrays.stream(url.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /**
     * @return whether the URL names a primary found through Sentinel
     */
    public boolean sentinel() {
        return url.startsWith("redis-sentinel:") || url.startsWith("rediss-sentinel:");
    }

    /**
     * @param on whether the URL names a Redis Cluster
     * @return a copy with that mode
     */
    public RedisSettings withCluster(boolean on) {
        return new RedisSettings(url, tlsVerify, prefix, timeout, instanceId, on);
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
        return new RedisSettings(url, tlsVerify, newPrefix, timeout, instanceId, cluster);
    }

    /**
     * @param verify the verification mode
     * @return a copy with that mode
     */
    public RedisSettings withTlsVerify(TlsVerify verify) {
        return new RedisSettings(url, verify, prefix, timeout, instanceId, cluster);
    }

    /**
     * @return whether the URL asks for TLS
     */
    public boolean tls() {
        return url.startsWith("rediss:") || url.startsWith("rediss-sentinel:");
    }

    /**
     * Never prints the password.
     *
     * @return a summary for logs
     */
    @Override
    public String toString() {
        StringBuilder where = new StringBuilder();
        for (String seed : seeds(url)) {
            URI uri = URI.create(seed);
            where.append(where.isEmpty() ? "" : ",").append(uri.getScheme()).append("://")
                    // A Sentinel URL lists several hosts, which URI does not parse: its authority, without a password.
                    .append(uri.getHost() != null ? uri.getHost() + ":" + (uri.getPort() < 0 ? 6379 : uri.getPort())
                            : String.valueOf(uri.getRawAuthority()).replaceFirst("^[^@]*@", ""));
        }
        return where + (cluster ? " (cluster)" : "") + (tls() ? " (TLS, verify " + tlsVerify.label() + ")" : "")
                + ", prefix " + prefix + ", instance " + instanceId;
    }
}
