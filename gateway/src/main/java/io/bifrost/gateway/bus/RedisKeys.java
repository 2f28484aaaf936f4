package io.bifrost.gateway.bus;

/**
 * Every Redis key and pub/sub channel name the gateway uses, under its prefix. A channel's own keys carry the channel
 * in a hash tag, so that every key one channel's scripts touch lives in one slot.
 *
 * @param prefix the prefix of every name ({@code BIFROST_REDIS_PREFIX})
 */
record RedisKeys(String prefix) {
    /** @return the pub/sub channel a channel's broadcasts are published on */
    String pubsub(String channel) {
        return pubsubPrefix() + channel;
    }

    /** @return what every pub/sub channel name starts with */
    String pubsubPrefix() {
        return prefix + "ch:";
    }

    /** @return a channel's epoch and last offset (hash: {@code e}, {@code o}, and the previous epoch's {@code pe}, {@code pt}) */
    String meta(String channel) {
        return prefix + "{" + channel + "}:m";
    }

    /** @return a channel's history (a stream with IDs {@code <offset>-<publish ms>}) */
    String history(String channel) {
        return prefix + "{" + channel + "}:h";
    }

    /** @return the cluster-wide socket count per channel (hash: channel → sockets) */
    String totals() {
        return prefix + "totals";
    }

    /** @return one instance's socket count per channel (hash: channel → sockets), for taking it out when it dies */
    String counts(String instance) {
        return prefix + "counts:" + instance;
    }

    /** @return live instances (sorted set scored by their last heartbeat, in Redis's milliseconds) */
    String instances() {
        return prefix + "instances";
    }

    /** @return open sockets per instance (hash) */
    String connected() {
        return prefix + "connected";
    }

    /** @return what each instance says about itself in its heartbeat (hash: instance → JSON), for the dashboard */
    String reports() {
        return prefix + "reports";
    }

    /** @return instances that are behind their deliveries (hash: instance → Redis ms until which) */
    String behind() {
        return prefix + "behind";
    }

    /** @return the key that marks a {@code jti} as taken */
    String jti(String jti) {
        return prefix + "jti:" + jti;
    }
}
