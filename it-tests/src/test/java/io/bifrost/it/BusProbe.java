package io.bifrost.it;

import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.testkit.TestGateway;

/**
 * Reads what a gateway's Redis bus holds, for assertions, through the gateway's public {@code /metrics}.
 */
final class BusProbe {
    private static final Pattern SUBSCRIBED = Pattern.compile("^bifrost_redis_channels_subscribed (\\d+)(\\.0)?$",
            Pattern.MULTILINE);

    private BusProbe() {
    }

    /**
     * @param gateway a running gateway
     * @return how many channels its bus holds Redis subscriptions for, or empty when the metric is missing
     */
    static OptionalInt subscribedChannels(Gateway gateway) {
        Matcher m = SUBSCRIBED.matcher(TestGateway.get(gateway.uri(), "/metrics").body());
        return m.find() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
    }

    /**
     * @param reply a RESP reply as {@code RedisServer.command} returns it
     * @return true if it is an empty array
     */
    static boolean isEmptyArray(String reply) {
        return reply.strip().equals("*0");
    }
}
