package io.bifrost.testing;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import io.bifrost.protocol.BifrostSubscriber;
import io.bifrost.protocol.SubscriberEvent;
import io.bifrost.protocol.Tokens;

/**
 * A subscriber socket with assertions, for tests that check what their code broadcasts. Frames arrive as typed
 * {@link SubscriberEvent}s from the protocol module's {@link BifrostSubscriber}, which this wraps.
 *
 * <pre>{@code
 * try (TestSubscriber subscriber = gateway.subscribe("user:1")) {
 *     app.createItem(7);                                   // the code under test broadcasts
 *     SubscriberEvent.Message item = subscriber.awaitMessage("new_item", Duration.ofSeconds(5));
 *     assertEquals("{\"id\":7}", item.data());
 *     subscriber.assertNoMessage(Duration.ofMillis(200));  // and nothing else
 * }
 * }</pre>
 *
 * <p>Failed expectations throw {@link AssertionError} naming every event that came instead. Meant for one test
 * thread at a time.
 */
public final class TestSubscriber implements AutoCloseable {
    /** How long {@link GatewayEndpoint#subscribe} waits for the gateway to confirm the channels. */
    static final Duration CONFIRM_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration TOKEN_TTL = Duration.ofMinutes(5);

    private final BifrostSubscriber subscriber;
    private final List<String> channels;
    // Events taken from the socket but not yet handed out: assertNoMessage puts back what was not a message.
    private final ArrayDeque<SubscriberEvent> pending = new ArrayDeque<>();

    private TestSubscriber(BifrostSubscriber subscriber, List<String> channels) {
        this.subscriber = subscriber;
        this.channels = channels;
    }

    static TestSubscriber connect(GatewayEndpoint gateway, List<String> channels)
            throws IOException, InterruptedException {
        if (channels.isEmpty()) {
            throw new IllegalArgumentException("give at least one channel to subscribe to");
        }
        BifrostSubscriber socket = BifrostSubscriber.connect(gateway.websocketUri());
        TestSubscriber subscriber = new TestSubscriber(socket, List.copyOf(channels));
        try {
            socket.authenticate(new Tokens(gateway.secret()).subscribeToken(channels, TOKEN_TTL));
            subscriber.awaitConfirmed();
            return subscriber;
        } catch (IOException | InterruptedException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    // One subscribed event per channel; anything else that comes first (a message to a channel already joined)
    // stays queued for the test.
    private void awaitConfirmed() throws IOException, InterruptedException {
        Set<String> waiting = new LinkedHashSet<>(channels);
        long deadline = System.nanoTime() + CONFIRM_TIMEOUT.toNanos();
        while (!waiting.isEmpty()) {
            Optional<SubscriberEvent> event = subscriber.next(remaining(deadline));
            if (event.isEmpty()) {
                throw new IOException("the gateway at " + subscriber.uri() + " did not confirm " + waiting + " within "
                        + CONFIRM_TIMEOUT + (subscriber.isOpen() ? "" : " (the connection ended)")
                        + "; events before: " + pending);
            }
            switch (event.get()) {
                case SubscriberEvent.Subscribed s -> waiting.remove(s.channel());
                case SubscriberEvent.Closed c -> throw new IOException("the gateway at " + subscriber.uri()
                        + " closed the socket before confirming " + waiting + ": " + c.code() + " " + c.reason()
                        + " (is the secret the gateway's JWT_SECRET?)");
                case SubscriberEvent other -> pending.addLast(other);
            }
        }
    }

    /**
     * Waits for a message with the given event name; the events before it are dropped.
     *
     * @param event   the message's {@code event}, e.g. {@code "new_item"}
     * @param timeout how long to wait at most
     * @return the message: its {@code data()}, {@code event()} and the whole frame as {@code json()}
     * @throws AssertionError       when it did not come in time or the connection ended first; it lists what came
     * @throws InterruptedException when interrupted while waiting
     */
    public SubscriberEvent.Message awaitMessage(String event, Duration timeout) throws InterruptedException {
        List<SubscriberEvent> instead = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<SubscriberEvent> next = take(remaining(deadline));
            if (next.isPresent() && next.get() instanceof SubscriberEvent.Message m && m.event().equals(event)) {
                return m;
            }
            next.ifPresent(instead::add);
            if (next.isEmpty() || next.get() instanceof SubscriberEvent.Closed || System.nanoTime() - deadline >= 0) {
                throw new AssertionError("expected a \"" + event + "\" message on " + channels + " within " + timeout
                        + "; " + describe(instead));
            }
        }
    }

    /**
     * Waits for the next event of a type, e.g. {@code SubscriberEvent.Closed.class} to see a drain's 1012; the
     * events before it are dropped.
     *
     * @param type    the event type
     * @param timeout how long to wait at most
     * @param <T>     the event type
     * @return the event
     * @throws AssertionError       when none came in time; it lists what came
     * @throws InterruptedException when interrupted while waiting
     */
    public <T extends SubscriberEvent> T awaitEvent(Class<T> type, Duration timeout) throws InterruptedException {
        List<SubscriberEvent> instead = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<SubscriberEvent> next = take(remaining(deadline));
            if (next.isPresent() && type.isInstance(next.get())) {
                return type.cast(next.get());
            }
            next.ifPresent(instead::add);
            if (next.isEmpty() || System.nanoTime() - deadline >= 0) {
                throw new AssertionError("expected a " + type.getSimpleName() + " event on " + channels + " within "
                        + timeout + "; " + describe(instead));
            }
        }
    }

    /**
     * Watches the socket for the whole duration and fails if any message arrives. Other events (a close, a pong)
     * stay queued for the next call.
     *
     * @param during how long to watch
     * @throws AssertionError       naming the messages that arrived
     * @throws InterruptedException when interrupted while waiting
     */
    public void assertNoMessage(Duration during) throws InterruptedException {
        List<SubscriberEvent> others = new ArrayList<>();
        List<SubscriberEvent.Message> messages = new ArrayList<>();
        long deadline = System.nanoTime() + during.toNanos();
        while (System.nanoTime() - deadline < 0) {
            Optional<SubscriberEvent> next = take(remaining(deadline));
            if (next.isEmpty()) {
                if (!subscriber.isOpen()) {
                    break;  // nothing more can come
                }
                continue;
            }
            if (next.get() instanceof SubscriberEvent.Message m) {
                messages.add(m);
            } else {
                others.add(next.get());
            }
        }
        others.reversed().forEach(pending::addFirst);
        if (!messages.isEmpty()) {
            throw new AssertionError("expected no message on " + channels + " during " + during + "; got "
                    + messages.size() + ": " + messages);
        }
    }

    /**
     * @param timeout how long to wait at most
     * @return the next event of any kind, or empty when none came in time
     * @throws InterruptedException when interrupted while waiting
     */
    public Optional<SubscriberEvent> next(Duration timeout) throws InterruptedException {
        return take(timeout);
    }

    /**
     * @return the channels this socket joined
     */
    public List<String> channels() {
        return channels;
    }

    /**
     * @return the underlying subscriber, for the rest of its API (ping, positions, resume)
     */
    public BifrostSubscriber subscriber() {
        return subscriber;
    }

    /** Closes the socket (close 1000, briefly waited for). */
    @Override
    public void close() {
        subscriber.close();
    }

    private Optional<SubscriberEvent> take(Duration timeout) throws InterruptedException {
        SubscriberEvent queued = pending.pollFirst();
        return queued != null ? Optional.of(queued) : subscriber.next(timeout);
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    private String describe(List<SubscriberEvent> instead) {
        String state = subscriber.isOpen() ? "" : "the connection has ended; ";
        return state + (instead.isEmpty() ? "nothing arrived" : "arrived instead: " + instead);
    }
}
