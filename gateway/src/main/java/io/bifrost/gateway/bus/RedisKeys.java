package io.bifrost.gateway.bus;

/**
 * Every Redis key and pub/sub channel name the gateway uses, under its prefix. A channel's own keys carry the channel
 * in a hash tag, so that every key one channel's scripts touch lives in one slot.
 *
 * <p>On one Redis the layout is {@code <prefix>{<channel>}:m}, {@code <prefix>ch:<channel>} and so on. On a Redis
 * Cluster every name of a channel (its keys, its socket counts, its sharded pub/sub channel) starts with
 * {@code <prefix>{<tag>}}, where the tag is a short hex digest of the channel: a channel name may hold braces itself,
 * which would move Redis's hash tag, while the digest never does; two channels sharing a digest only share a slot. The
 * instances' own keys (heartbeats, counts per instance, behind marks) share the fixed tag {@code {i}}, so each of
 * their scripts runs on one slot too; nothing on the publish path reads them there.
 *
 * @param prefix  the prefix of every name ({@code BIFROST_REDIS_PREFIX})
 * @param cluster whether the names are laid out for a Redis Cluster
 */
record RedisKeys(String prefix, boolean cluster) {
    /** The hash tag of the instances' own keys on a cluster: not a hex digest, so no channel's tag. */
    private static final String INSTANCES_TAG = "{i}";

    RedisKeys(String prefix) {
        this(prefix, false);
    }

    /** @return the pub/sub channel a channel's broadcasts are published on */
    String pubsub(String channel) {
        return cluster ? tagged(channel) + "ch:" + channel : pubsubPrefix() + channel;
    }

    /** @return what every pub/sub channel name starts with */
    String pubsubPrefix() {
        return cluster ? prefix + "{" : prefix + "ch:";
    }

    /**
     * @param pubsub a pub/sub channel's name
     * @return the channel it carries, or null when it is not one of ours
     */
    String channelOf(String pubsub) {
        if (!pubsub.startsWith(pubsubPrefix())) {
            return null;
        }
        if (!cluster) {
            return pubsub.substring(pubsubPrefix().length());
        }
        int close = pubsub.indexOf('}', prefix.length());
        return close < 0 || !pubsub.startsWith("ch:", close + 1) ? null : pubsub.substring(close + 4);
    }

    /** @return a channel's epoch and last offset (hash: {@code e}, {@code o}, and the previous epoch's {@code pe}, {@code pt}) */
    String meta(String channel) {
        return cluster ? tagged(channel) + "m:" + channel : prefix + "{" + channel + "}:m";
    }

    /** @return a channel's history (a stream with IDs {@code <offset>-<publish ms>}) */
    String history(String channel) {
        return cluster ? tagged(channel) + "h:" + channel : prefix + "{" + channel + "}:h";
    }

    /** @return the cluster-wide socket count per channel (hash: channel → sockets); on one Redis only */
    String totals() {
        return prefix + "totals";
    }

    /** @return on a cluster, a channel's socket count across instances (a counter in the channel's slot) */
    String total(String channel) {
        return tagged(channel) + "t:" + channel;
    }

    /** @return on a cluster, a channel's socket count per instance (hash: instance → sockets, in the channel's slot) */
    String channelCounts(String channel) {
        return tagged(channel) + "n:" + channel;
    }

    /** @return one instance's socket count per channel (hash: channel → sockets), for taking it out when it dies */
    String counts(String instance) {
        return instances("counts:" + instance);
    }

    /** @return live instances (sorted set scored by their last heartbeat, in Redis's milliseconds) */
    String instances() {
        return instances("instances");
    }

    /** @return open sockets per instance (hash) */
    String connected() {
        return instances("connected");
    }

    /** @return what each instance says about itself in its heartbeat (hash: instance → JSON), for the dashboard */
    String reports() {
        return instances("reports");
    }

    /** @return instances that are behind their deliveries (hash: instance → Redis ms until which) */
    String behind() {
        return instances("behind");
    }

    /**
     * @param jti     the token's id
     * @param channel on a cluster, the first channel it is published on: the key lives in that channel's slot (a token
     *                posted again names the same channels)
     * @return the key that marks a {@code jti} as taken
     */
    String jti(String jti, String channel) {
        return cluster ? tagged(channel) + "jti:" + jti : prefix + "jti:" + jti;
    }

    private String instances(String name) {
        return cluster ? prefix + INSTANCES_TAG + name : prefix + name;
    }

    private String tagged(String channel) {
        return prefix + "{" + Integer.toHexString(channel.hashCode()) + "}";
    }
}
