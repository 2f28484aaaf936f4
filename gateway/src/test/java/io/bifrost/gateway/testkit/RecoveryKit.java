package io.bifrost.gateway.testkit;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.bifrost.protocol.BifrostSubscriber;
import io.bifrost.protocol.HmacAlgorithm;
import io.bifrost.protocol.Json;
import io.bifrost.protocol.Position;
import io.bifrost.protocol.SubscriberEvent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Helpers for the recovery extension's tests (positions, resume, jti, batches), shared by the gateway's own tests and
 * the cluster tests: tokens with the new claims, broadcasts that say what they carry, and strict readers of what a
 * {@link BifrostSubscriber} receives. Every wait is bounded by {@link TestGateway#WAIT} unless a test passes its own.
 */
public final class RecoveryKit {
    /** The event name of every numbered test broadcast; its data is the number. */
    public static final String EVENT = "n";

    private RecoveryKit() {
    }

    /**
     * @param channels channels
     * @return a subscribe token for them, valid 10 minutes
     */
    public static String subscribeToken(List<String> channels) {
        return TestGateway.tokens().subscribeToken(channels, Duration.ofMinutes(10));
    }

    /**
     * A broadcast token for one channel, or a batch.
     *
     * @param channels one channel (sent as {@code channel}) or several (sent as {@code channels})
     * @param batch    true to send {@code channels} even for one channel
     * @param data     the message's data
     * @param jti      the jti, or null for none
     * @return the signed token, valid 5 minutes
     */
    public static String broadcastToken(List<String> channels, boolean batch, String data, String jti) {
        Map<String, Object> claims = new LinkedHashMap<>();
        if (batch) {
            claims.put("channels", List.copyOf(channels));
        } else {
            claims.put("channel", channels.getFirst());
        }
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("event", EVENT);
        message.put("data", data);
        claims.put("message", message);
        if (jti != null) {
            claims.put("jti", jti);
        }
        claims.put("exp", Instant.now().plus(Duration.ofMinutes(5)).getEpochSecond());
        return TestGateway.tokens().mint(claims, HmacAlgorithm.HS512);
    }

    /**
     * POSTs a broadcast token.
     *
     * @param base  the gateway
     * @param token the token
     * @return the answer
     */
    public static TestGateway.Reply post(URI base, String token) {
        return TestGateway.post(base, "application/json", "{\"token\":" + Json.quote(token) + "}");
    }

    /**
     * Broadcasts {@code {"event":"n","data":data}} to one channel.
     *
     * @param base    the gateway
     * @param channel the channel
     * @param data    the data
     * @param jti     the jti, or null
     * @return the answer
     */
    public static TestGateway.Reply broadcast(URI base, String channel, String data, String jti) {
        return post(base, broadcastToken(List.of(channel), false, data, jti));
    }

    /**
     * Broadcasts {@code {"event":"n","data":data}} to several channels in one request.
     *
     * @param base     the gateway
     * @param channels the channels
     * @param data     the data
     * @param jti      the jti, or null
     * @return the answer
     */
    public static TestGateway.Reply batch(URI base, List<String> channels, String data, String jti) {
        return post(base, broadcastToken(channels, true, data, jti));
    }

    /**
     * Broadcasts numbers {@code from..to} (inclusive) to a channel, one request each, and checks each is a 200.
     *
     * @param base    the gateway
     * @param channel the channel
     * @param from    first number
     * @param to      last number
     */
    public static void broadcastAll(URI base, String channel, long from, long to) {
        for (long n = from; n <= to; n++) {
            TestGateway.Reply reply = broadcast(base, channel, Long.toString(n), null);
            assertEquals(200, reply.status(), "broadcast " + n + " to " + channel + ": " + reply.body());
        }
    }

    /**
     * @param reply an answer
     * @return its {@code deliveries}, failing the test when it has none
     */
    public static long deliveries(TestGateway.Reply reply) {
        Map<String, Object> body;
        try {
            body = Json.parseObject(reply.body());
        } catch (io.bifrost.protocol.InvalidJsonException e) {
            throw new AssertionError("not JSON: " + reply.body(), e);
        }
        if (body.get("deliveries") instanceof Number n) {
            return n.longValue();
        }
        throw new AssertionError("no deliveries in " + reply.body());
    }

    /**
     * Connects a subscriber and opts it in with {@code since} (an empty map sends {@code "since":{}}).
     *
     * @param base     the gateway
     * @param channels its channels
     * @param since    positions to resume from
     * @return the subscriber, its authenticate sent
     */
    public static BifrostSubscriber optIn(URI base, List<String> channels, Map<String, Position> since)
            throws IOException, InterruptedException {
        BifrostSubscriber subscriber = BifrostSubscriber.connect(base);
        try {
            subscriber.authenticate(subscribeToken(channels), since);
        } catch (IOException | RuntimeException e) {
            subscriber.close();
            throw e;
        }
        return subscriber;
    }

    /**
     * Connects a subscriber as a core client (no {@code since}).
     *
     * @param base     the gateway
     * @param channels its channels
     * @return the subscriber, its authenticate sent
     */
    public static BifrostSubscriber core(URI base, List<String> channels) throws IOException, InterruptedException {
        BifrostSubscriber subscriber = BifrostSubscriber.connect(base);
        try {
            subscriber.authenticate(subscribeToken(channels));
        } catch (IOException | RuntimeException e) {
            subscriber.close();
            throw e;
        }
        return subscriber;
    }

    /**
     * Takes the next event, which must be {@code subscribed} for the channel.
     *
     * @param subscriber the subscriber
     * @param channel    the channel
     * @return the event
     */
    public static SubscriberEvent.Subscribed expectSubscribed(BifrostSubscriber subscriber, String channel)
            throws InterruptedException {
        SubscriberEvent event = subscriber.next(TestGateway.WAIT).orElseThrow(() -> new AssertionError(
                "no subscribed for " + channel + " within " + TestGateway.WAIT));
        if (event instanceof SubscriberEvent.Subscribed s && s.channel().equals(channel)) {
            return s;
        }
        throw new AssertionError("expected subscribed for " + channel + ", got " + event);
    }

    /**
     * Takes the next events, which must all be messages.
     *
     * @param subscriber the subscriber
     * @param count      how many
     * @return them, in order
     */
    public static List<SubscriberEvent.Message> expectMessages(BifrostSubscriber subscriber, int count)
            throws InterruptedException {
        List<SubscriberEvent.Message> messages = new ArrayList<>(count);
        long deadline = System.nanoTime() + TestGateway.WAIT.toNanos();
        while (messages.size() < count) {
            Optional<SubscriberEvent> event = subscriber.next(Duration.ofNanos(Math.max(0,
                    deadline - System.nanoTime())));
            if (event.isEmpty()) {
                fail("only " + messages.size() + " of " + count + " messages within " + TestGateway.WAIT + ": "
                        + numbers(messages));
            }
            if (!(event.get() instanceof SubscriberEvent.Message m)) {
                throw new AssertionError("expected message " + (messages.size() + 1) + " of " + count + ", got "
                        + event.get() + " after " + numbers(messages));
            }
            messages.add(m);
        }
        return messages;
    }

    /**
     * Checks that nothing arrives within a short, bounded wait (what was sent before it was already taken).
     *
     * @param subscriber the subscriber
     * @param wait       how long to watch
     */
    public static void expectNothing(BifrostSubscriber subscriber, Duration wait) throws InterruptedException {
        Optional<SubscriberEvent> event = subscriber.next(wait);
        event.ifPresent(e -> fail("expected nothing more, got " + e));
    }

    /**
     * @param message a numbered broadcast
     * @return its number
     */
    public static long number(SubscriberEvent.Message message) {
        assertEquals(EVENT, message.event(), message.json());
        try {
            return Long.parseLong(message.data());
        } catch (NumberFormatException e) {
            throw new AssertionError("not a numbered broadcast: " + message.json(), e);
        }
    }

    /**
     * @param messages numbered broadcasts
     * @return their numbers
     */
    public static List<Long> numbers(List<SubscriberEvent.Message> messages) {
        return messages.stream().map(RecoveryKit::number).toList();
    }

    /**
     * Checks that messages carry the channel and consecutive positions of one epoch right after {@code after}.
     *
     * @param messages the messages, in the order received
     * @param channel  their channel
     * @param after    the position before the first one
     */
    public static void assertPositionsFollow(List<SubscriberEvent.Message> messages, String channel, Position after) {
        Position expected = after;
        for (SubscriberEvent.Message m : messages) {
            expected = expected.next();
            assertEquals(Optional.of(channel), m.channel(), "channel of " + m.json());
            assertEquals(Optional.of(expected), m.id(), "position of " + m.json() + " (after " + after + ")");
        }
    }

    /**
     * Checks numbers are exactly {@code from..to}, in order.
     *
     * @param numbers what arrived
     * @param from    first expected
     * @param to      last expected
     * @param who     for the message
     */
    public static void assertExactly(List<Long> numbers, long from, long to, String who) {
        List<Long> expected = new ArrayList<>();
        for (long n = from; n <= to; n++) {
            expected.add(n);
        }
        if (!expected.equals(numbers)) {
            assertEquals(describeRange(expected), describeRange(numbers), who + " received the wrong sequence");
        }
    }

    /**
     * Describes a sequence of numbers compactly, with runs as {@code a..b}: failures stay readable for long runs.
     *
     * @param numbers the numbers
     * @return e.g. {@code [1..50, 52, 51, 53..60]}
     */
    public static String describeRange(List<Long> numbers) {
        StringBuilder out = new StringBuilder("[");
        int i = 0;
        while (i < numbers.size()) {
            int j = i;
            while (j + 1 < numbers.size() && numbers.get(j + 1) == numbers.get(j) + 1) {
                j++;
            }
            if (out.length() > 1) {
                out.append(", ");
            }
            out.append(numbers.get(i));
            if (j > i) {
                out.append("..").append(numbers.get(j));
            }
            i = j + 1;
        }
        return out.append("] (").append(numbers.size()).append(" numbers)").toString();
    }

    /**
     * Reads a counter or gauge from a gateway's {@code /metrics}.
     *
     * @param base the gateway
     * @param name the metric's name, without labels
     * @return its value
     */
    public static long metric(URI base, String name) {
        TestGateway.Reply reply = TestGateway.get(base, "/metrics");
        assertEquals(200, reply.status(), reply.body());
        Matcher m = Pattern.compile("^" + Pattern.quote(name) + " (\\d+)(\\.0)?$", Pattern.MULTILINE)
                .matcher(reply.body());
        assertTrue(m.find(), name + " missing from /metrics");
        return Long.parseLong(m.group(1));
    }
}
